//! Native `rust-sa` binary; see `rust-sa --help`.

fn main() {
    std::process::exit(rust_sa::cli::run(std::env::args_os()));
}
