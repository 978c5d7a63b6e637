//! Developer commands for the pinterest-v5 repository: `cargo xtask <command>`.

mod regen;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pinterest_v5_codegen::report::{api_surface, spec_report};
use pinterest_v5_codegen::spec::SPEC_DIR_ENV;
use pinterest_v5_codegen::Pipeline;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  spec-report        print what each normalization pass changed in the pinned spec
  api-surface        print one line per generated operation
  generate <FILE>    write the generated client source to FILE, for reading
  regen-spec --from <FILE or URL> [--sha256 <HEX>] [--commit <UPSTREAM COMMIT>]
                     move the crate to another upstream release: check the
                     document, update spec/pin.toml and the snapshots, and
                     print the API diff with the version bump it implies
  regen-spec --check fail when spec/pin.toml or the snapshots do not match what
                     the pinned document generates

The pinned spec is found through PINTEREST_SPEC_DIR (set by .cargo/config.toml
to ../shared/spec) or in spec/.";

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
            print!("{}", spec_report(&pinned_pipeline()?));
            Ok(())
        }
        Some("api-surface") => {
            print!("{}", api_surface(&pinned_pipeline()?));
            Ok(())
        }
        Some("generate") => {
            let out = args
                .get(1)
                .ok_or_else(|| format!("`generate` needs an output file\n\n{USAGE}"))?;
            let source = pinned_pipeline()?.generated.to_source();
            std::fs::write(out, source).map_err(|e| format!("failed to write {out}: {e}"))?;
            println!("wrote {out}");
            Ok(())
        }
        Some("regen-spec") => regen::run(&args[1..]),
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
    Pipeline::run(&repository_root(), spec_dir().as_deref()).map_err(|e| e.to_string())
}
