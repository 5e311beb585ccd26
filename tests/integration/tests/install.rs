//! `scripts/install.sh --lib-only` into a temporary prefix, then a C program built the way a
//! user builds one: `pkg-config --cflags --libs ima`, linked against the installed
//! `libima.so` and run against the installed plugin.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use iscsi_integration_tests::hba::artifact;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (scripts/test.sh installs it)"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The dynamic section of an ELF file as `readelf -d` prints it.
fn dynamic(file: &Path) -> String {
    stdout(&run(Command::new("readelf").arg("-d").arg(file)))
}

const CLIENT: &str = r#"
#include <stdio.h>
#include <wchar.h>
#include <ima.h>

int main(void) {
    IMA_LIBRARY_PROPERTIES props;
    IMA_OID_LIST *plugins = NULL;
    if (IMA_GetLibraryProperties(&props) != IMA_STATUS_SUCCESS) return 1;
    printf("version %u\n", (unsigned)props.supportedImaVersion);
    printf("file %ls\n", props.fileName);
    if (IMA_GetPluginOidList(&plugins) != IMA_STATUS_SUCCESS) return 2;
    printf("plugins %lu\n", (unsigned long)plugins->oidCount);
    IMA_FreeMemory(plugins);
    return 0;
}
"#;

#[test]
fn installed_library_builds_with_pkg_config_and_runs() {
    let dir = std::env::temp_dir().join(format!("ima-install-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let prefix = dir.join("prefix");
    let from: PathBuf = artifact("libima.so")
        .parent()
        .expect("artifact directory")
        .to_path_buf();
    // The plugin cdylib is built next to libima.so (both are dependencies of this crate).
    assert!(artifact("libima_plugin_soft.so").is_file());
    run(
        Command::new(Path::new(MANIFEST).join("../../scripts/install.sh"))
            .arg("--lib-only")
            .arg("--prefix")
            .arg(&prefix)
            .arg("--from")
            .arg(&from),
    );

    let lib = prefix.join("lib");
    assert_eq!(
        std::fs::read_link(lib.join("libima.so")).expect("development link"),
        Path::new("libima.so.1")
    );
    assert!(
        dynamic(&lib.join("libima.so.1")).contains("Library soname: [libima.so.1]"),
        "libima.so.1 has no SONAME libima.so.1"
    );
    assert!(prefix.join("include/ima.h").is_file());
    assert!(prefix.join("include/ima_plugin_soft.h").is_file());

    let flags = stdout(&run(Command::new("pkg-config")
        .args(["--cflags", "--libs", "ima"])
        .env("PKG_CONFIG_PATH", lib.join("pkgconfig"))));
    assert!(
        flags.contains(&format!("-I{}", prefix.join("include").display())),
        "{flags}"
    );
    assert!(
        flags.contains(&format!("-L{}", lib.display())) && flags.contains("-lima"),
        "{flags}"
    );
    let version = stdout(&run(Command::new("pkg-config")
        .args(["--modversion", "ima"])
        .env("PKG_CONFIG_PATH", lib.join("pkgconfig"))));
    assert_eq!(version.trim(), env!("CARGO_PKG_VERSION"));

    let source = dir.join("client.c");
    std::fs::write(&source, CLIENT).expect("write the C source");
    let client = dir.join("client");
    run(Command::new("cc")
        .args(["-std=gnu11", "-Wall", "-Wextra", "-Werror"])
        .arg(&source)
        .arg("-o")
        .arg(&client)
        .args(flags.split_whitespace()));
    assert!(
        dynamic(&client).contains("Shared library: [libima.so.1]"),
        "the client does not need libima.so.1 by its SONAME"
    );

    // The example ima.conf names the installed plugin; the library loads it.
    let example = prefix.join("share/doc/iscsi-ima/ima.conf.example");
    let conf = std::fs::read_to_string(&example).expect("ima.conf example");
    assert!(conf.contains(&format!(
        "org.iscsi-ima.soft\t{}",
        lib.join("libima_plugin_soft.so").display()
    )));
    let out = run(Command::new(&client)
        .env("LD_LIBRARY_PATH", &lib)
        .env("IMA_CONF", &example)
        .env("IMA_NODE_STATE", dir.join("node"))
        .env("ISCSI_HBA_STATE", dir.join("hba.json"))
        .env("ISCSI_HBAD_SOCKET", ""));
    let text = stdout(&out);
    assert!(text.contains("version 1\n"), "{text}");
    assert!(
        text.contains(&format!("file {}", lib.join("libima.so.1").display())),
        "{text}"
    );
    assert!(text.contains("plugins 1\n"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
