//! Developer commands for the pinterest-v5 repository: `cargo xtask <command>`.

mod package;
mod regen;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pinterest_v5_codegen::report::{api_surface, spec_report};
use pinterest_v5_codegen::spec::SPEC_DIR_ENV;
use pinterest_v5_codegen::{Pipeline, Selection, AREAS};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  spec-report [--features <AREAS>]
                     print what each normalization pass changed in the pinned
                     spec, and the size of each API area
  api-surface [--features <AREAS>]
                     print one line per generated operation
  generate <FILE> [--features <AREAS>]
                     write the generated client source to FILE, for reading
  areas              print the cargo feature of each API area, one per line
  package [--check] [--allow-dirty]
                     copy the pinned spec into spec/ and run `cargo package`
                     for the crate and its codegen build dependency; with
                     --check, unpack both in a temporary directory and run
                     `cargo doc --offline --all-features` there, as docs.rs does
  regen-spec --from <FILE or URL> [--sha256 <HEX>] [--commit <UPSTREAM COMMIT>]
                     move the crate to another upstream release: check the
                     document, update spec/pin.toml and the snapshots, and
                     print the API diff with the version bump it implies
  regen-spec --check fail when spec/pin.toml or the snapshots do not match what
                     the pinned document generates

The pinned spec is found through PINTEREST_SPEC_DIR (set by .cargo/config.toml
to ../shared/spec) or in spec/. <AREAS> is a comma-separated list of the crate's
API area features (`full` for all, the default); for example `content,ads`.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();

    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("spec-report") => {
            let selection = selection(&args[1..])?;
            print!("{}", spec_report(&selected_pipeline(&selection)?));
            Ok(())
        }
        Some("api-surface") => {
            let selection = selection(&args[1..])?;
            print!("{}", api_surface(&selected_pipeline(&selection)?));
            Ok(())
        }
        Some("generate") => {
            let out = args
                .get(1)
                .filter(|arg| !arg.starts_with("--"))
                .ok_or_else(|| format!("`generate` needs an output file\n\n{USAGE}"))?;
            let selection = selection(&args[2..])?;
            let source = selected_pipeline(&selection)?.generated.to_source();
            std::fs::write(out, source).map_err(|e| format!("failed to write {out}: {e}"))?;
            println!("wrote {out}");
            Ok(())
        }
        Some("regen-spec") => regen::run(&args[1..]),
        Some("package") => package::run(&args[1..]),
        Some("areas") => {
            for area in AREAS {
                println!("{}", area.feature);
            }
            Ok(())
        }
        Some("help") | Some("--help") | Some("-h") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    }
}

pub(crate) fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the repository root")
        .to_owned()
}

pub(crate) fn spec_dir() -> Option<PathBuf> {
    std::env::var_os(SPEC_DIR_ENV).map(PathBuf::from)
}

pub(crate) fn pinned_pipeline() -> Result<Pipeline, String> {
    selected_pipeline(&Selection::all())
}

fn selected_pipeline(selection: &Selection) -> Result<Pipeline, String> {
    Pipeline::run_selected(&repository_root(), spec_dir().as_deref(), selection)
        .map_err(|e| e.to_string())
}

/// The areas named by `--features A,B`, or every area without the option.
fn selection(args: &[String]) -> Result<Selection, String> {
    match args {
        [] => Ok(Selection::all()),
        [flag, list] if flag == "--features" => {
            Selection::of(list.split(',').map(str::trim)).map_err(|e| e.to_string())
        }
        _ => Err(format!(
            "unexpected arguments {args:?}; only `--features <AREAS>` is accepted\n\n{USAGE}"
        )),
    }
}
