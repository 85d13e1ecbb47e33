//! The `segc` binary: see [`segc::cli`].

fn main() -> std::process::ExitCode {
    segc::cli::main()
}
