//! `iscsi-tools-gen [DIR]`: writes a man page (`man1/<tool>.1`) and bash, zsh and fish
//! completions (`completions/`) for every tool, from the same clap definitions the tools
//! parse with (`iscsi_tools::args`). DIR defaults to `target/iscsi-tools-gen`.

use std::{path::Path, process::ExitCode};

use clap_complete::Shell;
use iscsi_tools::{args, cli};

const TOOL: &str = "iscsi-tools-gen";

fn main() -> ExitCode {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(args::default_gen_dir, Into::into);
    if dir.to_str() == Some("-h") || dir.to_str() == Some("--help") {
        return cli::usage(
            TOOL,
            "[DIR]  (man pages in DIR/man1, completions in DIR/completions)",
        );
    }
    match generate(&dir) {
        Ok(count) => {
            cli::err(format_args!(
                "{TOOL}: wrote {count} files under {}\n",
                dir.display()
            ));
            ExitCode::SUCCESS
        }
        Err(e) => cli::fail(TOOL, &e.to_string()),
    }
}

fn generate(dir: &Path) -> std::io::Result<usize> {
    let man = dir.join("man1");
    let completions = dir.join("completions");
    std::fs::create_dir_all(&man)?;
    std::fs::create_dir_all(&completions)?;
    let mut count = 0;
    for mut command in args::commands() {
        let name = command.get_name().to_owned();
        let mut page = Vec::new();
        clap_mangen::Man::new(command.clone()).render(&mut page)?;
        std::fs::write(man.join(format!("{name}.1")), page)?;
        count += 1;
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            clap_complete::generate_to(shell, &mut command, &name, &completions)?;
            count += 1;
        }
    }
    Ok(count)
}
