//! The `wstrust` command: see `wstrust --help`.

fn main() -> std::process::ExitCode {
    wstrust::cli::run()
}
