//! runsc: the OCI runtime CLI. Each subcommand lives in `cmd/<verb>.rs`.

mod cli;
mod cmd;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    let code = match cmd::dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("runsc: {e:#}");
            1
        }
    };
    std::process::exit(code);
}
