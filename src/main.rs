//! The `fonds` binary: parses the command line, runs it, maps errors to exit codes.

use std::process::ExitCode;

mod bench;
mod cli;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
