//! Developer commands for the pinterest-v5 repository: `cargo xtask <command>`.

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
            print!("{}", spec_report(&pipeline()?));
            Ok(())
        }
        Some("api-surface") => {
            print!("{}", api_surface(&pipeline()?));
            Ok(())
        }
        Some("generate") => {
            let out = args
                .get(1)
                .ok_or_else(|| format!("`generate` needs an output file\n\n{USAGE}"))?;
            let source = pipeline()?.generated.to_source();
            std::fs::write(out, source).map_err(|e| format!("failed to write {out}: {e}"))?;
            println!("wrote {out}");
            Ok(())
        }
        Some("help") | Some("--help") | Some("-h") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    }
}

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the repository root")
        .to_owned()
}

fn pipeline() -> Result<Pipeline, String> {
    let spec_dir = std::env::var_os(SPEC_DIR_ENV).map(PathBuf::from);
    Pipeline::run(&repository_root(), spec_dir.as_deref()).map_err(|e| e.to_string())
}
