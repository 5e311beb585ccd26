//! `imadm demo`: the whole stack end to end with nothing installed and no root.
//!
//! It starts the in-process test target (`iscsi-test-target`) on a free loopback port with
//! CHAP required, writes a private `ima.conf` naming the built `libima_plugin_soft.so`, sets
//! `IMA_CONF`, `ISCSI_HBA_STATE` and `IMA_NODE_STATE` to files in a private directory
//! (before anything loads the library or starts a thread), then walks library, plugin,
//! node, CHAP through IMA, discovery, targets, LUs, INQUIRY, READ CAPACITY, an explicit
//! login, session and connection properties, statistics and an event, printing each step.
//! Any failed step ends the demo with an error (exit code 1).

use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use iscsi_test_target::{ChapAuth, LuConfig, TargetConfig, TargetNodeConfig, TestTarget};

use crate::cmd::events::EventView;
use crate::cmd::{self, Ctx};
use crate::error::Error;
use crate::ffi::{self, Ima};
use crate::locate;
use crate::out::{Out, print_text};
use crate::soft;

const TARGET_NAME: &str = "iqn.2026-12.org.iscsi-ima:demo-disk";
const NODE_NAME: &str = "iqn.2026-12.org.iscsi-ima:imadm-demo";
const CHAP_NAME: &str = "imadm-demo";
/// The demo's CHAP secret: a fixed test value for a target that lives for this process
/// only, and never printed.
const CHAP_SECRET: &str = "demo-chap-secret-0001";

type Result<T> = std::result::Result<T, Error>;

fn fail(step: &'static str, reason: impl Into<String>) -> Error {
    Error::Demo {
        step,
        reason: reason.into(),
    }
}

/// A private directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<Self> {
        let dir = std::env::temp_dir().join(format!("imadm-demo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
        Ok(Self(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn step(n: u32, title: &str) {
    print_text(&format!("\n[{n:2}] {title}\n"));
}

fn say(text: &str) {
    print_text(
        &text
            .lines()
            .map(|l| format!("     {l}\n"))
            .collect::<String>(),
    );
}

/// The demo's private files, written and named in the environment by [`prepare`].
pub struct Prepared {
    dir: TempDir,
    library: PathBuf,
}

/// Writes the private files and sets `IMA_CONF`, `ISCSI_HBA_STATE` and `IMA_NODE_STATE`,
/// and empties `ISCSI_HBAD_SOCKET` (the demo never uses a host's daemon).
/// Call while the process is single-threaded (`main` does, before anything else starts).
///
/// # Errors
///
/// The plugin or library is not found, or the files cannot be written.
pub fn prepare(lib: Option<&Path>) -> Result<Prepared> {
    let dir = TempDir::new()?;
    let plugin = locate::beside_exe(locate::PLUGIN)?;
    let library = locate::library(lib)?;
    let conf = dir.0.join("ima.conf");
    std::fs::write(&conf, format!("org.iscsi-ima.soft\t{}\n", plugin.display()))
        .map_err(|e| Error::io(conf.display().to_string(), e))?;
    ffi::set_env("IMA_CONF", &conf);
    ffi::set_env("ISCSI_HBA_STATE", &dir.0.join("hba.json"));
    ffi::set_env("IMA_NODE_STATE", &dir.0.join("node-state"));
    // A private engine in this process, even when an iscsi-hbad serves the host.
    ffi::set_env("ISCSI_HBAD_SOCKET", Path::new(""));
    step(1, "private configuration");
    say(&format!(
        "ima.conf        {}\nplugin          {}\nHBA state       {}\nnode state      {}",
        conf.display(),
        plugin.display(),
        dir.0.join("hba.json").display(),
        dir.0.join("node-state").display()
    ));
    Ok(Prepared { dir, library })
}

/// Runs the demo after [`prepare`].
///
/// # Errors
///
/// The first step that failed.
pub fn run(prepared: Prepared) -> Result<()> {
    let Prepared { dir, library } = prepared;

    // 2. The in-process target, CHAP required.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("demo-target")
        .enable_all()
        .build()
        .map_err(|e| Error::io("tokio runtime", e))?;
    let mut config = TargetConfig::default();
    config.targets = vec![TargetNodeConfig::new(TARGET_NAME).with_lus(vec![
        LuConfig::new(0, 512, 16384),
        LuConfig::new(1, 4096, 1024),
    ])];
    config.auth = Some(ChapAuth::new(CHAP_NAME, CHAP_SECRET));
    let target = runtime
        .block_on(TestTarget::start(config))
        .map_err(|e| fail("target", e.to_string()))?;
    let addr = target.addr();
    step(2, "in-process iSCSI target (CHAP required)");
    say(&format!(
        "{TARGET_NAME} on {addr}: LUN 0 8 MiB (512-byte blocks), LUN 1 4 MiB (4096-byte blocks)"
    ));

    let ima = Ima::load(&library)?;
    let ctx = Ctx {
        ima,
        out: Out { json: false },
    };
    let result = walk(&ctx, addr);
    drop(target);
    drop(runtime);
    drop(dir);
    match &result {
        Ok(()) => print_text("\ndemo: every step succeeded\n"),
        Err(e) => print_text(&format!("\ndemo: FAILED: {e}\n")),
    }
    result
}

fn walk(ctx: &Ctx, addr: std::net::SocketAddr) -> Result<()> {
    step(3, "library and plugin");
    let lib = cmd::library::library_view(ctx)?;
    say(&format!(
        "{} {} ({}), IMA version {}",
        lib.vendor, lib.implementation_version, lib.path, lib.supported_ima_version
    ));
    let plugin = lib
        .plugins
        .first()
        .ok_or_else(|| fail("library", "no plugin loaded"))?;
    say(&format!(
        "plugin {} {} {} (owner {})",
        plugin.vendor, plugin.implementation_version, plugin.file_name, plugin.oid.owner
    ));
    if plugin.vendor != soft::VENDOR {
        return Err(fail(
            "library",
            format!("unexpected plugin {}", plugin.vendor),
        ));
    }

    step(4, "initiator node");
    let node = ctx.ima.shared_node()?;
    ctx.ima.set_node_name(node, NODE_NAME)?;
    ctx.ima.set_node_alias(node, "imadm demo")?;
    let n = cmd::node::node_view(ctx)?;
    say(&format!(
        "name {}  alias {}",
        n.name.clone().unwrap_or_default(),
        n.alias.clone().unwrap_or_default()
    ));
    if n.name.as_deref() != Some(NODE_NAME) {
        return Err(fail("node", "the name did not change"));
    }

    step(
        5,
        "CHAP through IMA (IMA_SetInitiatorAuthParms, IMA_SetInitiatorAuthMethods)",
    );
    let lhba = ctx.lhba()?;
    let parms = cmd::auth::chap_parms(CHAP_NAME, CHAP_SECRET.as_bytes())?;
    ctx.ima.set_chap(lhba, &parms.0)?;
    ctx.ima
        .set_auth_methods(lhba, &[ima_abi::AuthMethod::CHAP])?;
    let name = ctx
        .ima
        .chap(lhba)
        .ok()
        .as_ref()
        .and_then(crate::view::chap_name);
    say(&format!(
        "methods in use: chap; CHAP name {} (the secret is never read back)",
        name.unwrap_or_default()
    ));

    step(6, "event callbacks registered");
    let events = cmd::events::subscribe(ctx)?;
    say("visibility and property callbacks; events reach this thread through a channel");

    step(7, "discovery address (SendTargets)");
    let oid = ctx
        .ima
        .add_discovery_address(lhba, cmd::discovery::target_address(addr))?;
    say(&format!(
        "added {addr} as {}",
        crate::view::OidView::from(oid)
    ));
    let d = cmd::discovery::discovery_view(ctx)?;
    say(&format!(
        "static {}, sendtargets {}, automatic login {:?}/{:?}",
        d.static_enabled, d.sendtargets_enabled, d.auto_login_static, d.auto_login_sendtargets
    ));

    step(
        8,
        "rescan (vendor IOCtl RESCAN): discovery and the automatic CHAP login",
    );
    let r = ctx.rescan()?;
    say(&format!(
        "targets {}, sessions {}, logged in {}, login failures {}",
        r.targets, r.sessions, r.logged_in, r.login_failures
    ));
    if r.targets < 1 || r.sessions < 1 || r.login_failures > 0 {
        return Err(fail("rescan", "no CHAP session after discovery"));
    }

    step(9, "targets");
    let target = ctx.target(TARGET_NAME)?;
    let t = cmd::target::target_view(ctx, target, false, false, false)?;
    say(&format!(
        "{} found by {} at {}",
        t.name,
        t.discovery_methods.join(","),
        t.portals.join(" ")
    ));

    step(
        10,
        "logical units (REPORT LUNS, INQUIRY, READ CAPACITY through IMA)",
    );
    let lus = cmd::lu::target_lus(ctx, TARGET_NAME, target)?;
    say(&cmd::lu::lus_table(&lus));
    let sizes: Vec<Option<u64>> = lus.iter().map(|l| l.capacity_bytes).collect();
    if sizes != [Some(8 << 20), Some(4 << 20)] {
        return Err(fail("lus", format!("unexpected capacities {sizes:?}")));
    }

    step(11, "INQUIRY and READ CAPACITY(16) of LUN 1");
    let lu1 = ctx.ima.lu_oid(target, 1)?;
    let inq = ctx.ima.inquiry(lu1, false, 0)?;
    let i = iscsi_proto::scsi::StandardInquiry::decode(&inq.data)
        .map_err(|e| fail("inquiry", e.to_string()))?;
    say(&format!(
        "vendor {:?} product {:?} revision {:?} type {:?}",
        i.vendor.trim(),
        i.product.trim(),
        i.revision.trim(),
        i.device_type
    ));
    let cap = ctx.ima.read_capacity(lu1, 16)?;
    let c = iscsi_proto::scsi::ReadCapacity16::decode(&cap.data)
        .map_err(|e| fail("capacity", e.to_string()))?;
    say(&format!(
        "{} blocks of {} bytes",
        c.returned_lba + 1,
        c.block_length
    ));

    step(12, "explicit login (vendor IOCtl LOGIN) and the session");
    let plugin = ctx.require_soft_plugin(target)?;
    let s = ctx.ima.ioctl(
        plugin,
        soft::LOGIN,
        &soft::TargetArg { target_oid: target },
        soft::SessionArg::default(),
    )?;
    let session = cmd::session::session_view(ctx, TARGET_NAME, s.session_oid)?;
    say(&cmd::session::session_block(&session));
    if session.auth_method != "chap" {
        return Err(fail(
            "session",
            "the session did not authenticate with CHAP",
        ));
    }

    step(13, "statistics");
    let stats = cmd::stats::StatsView {
        targets: vec![cmd::stats::target_stats(ctx, TARGET_NAME, target)?],
        ports: cmd::stats::port_stats(ctx)?,
    };
    say(&cmd::stats::stats_text(&stats));
    let sent = stats.targets[0].device.map_or(0, |d| d.iscsi_pdus_sent);
    if sent == 0 {
        return Err(fail("statistics", "no PDUs counted"));
    }

    step(14, "an event received by a callback");
    let event = first_event(&events, Duration::from_secs(10))
        .ok_or_else(|| fail("event", "no callback within 10 s"))?;
    say(&format!("{event}"));

    step(15, "logout (vendor IOCtl LOGOUT)");
    let closed = ctx.ima.ioctl(
        plugin,
        soft::LOGOUT,
        &soft::TargetArg { target_oid: target },
        soft::Count::default(),
    )?;
    say(&format!("{} session(s) closed", closed.value));
    let left = ctx.ima.sessions(target)?.len();
    if left != 0 {
        return Err(fail("logout", format!("{left} session(s) left")));
    }

    Ok(())
}

fn first_event(rx: &Receiver<EventView>, wait: Duration) -> Option<EventView> {
    rx.recv_timeout(wait).ok()
}
