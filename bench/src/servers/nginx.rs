//! nginx as the HTTP peer: the server a user would otherwise run for a fixed response.
//!
//! Each start writes a fresh configuration into its own scratch directory: one process
//! (`master_process off`, so the process measured is the one serving), `daemon off`,
//! access log off, the error log, pid file and temporary paths in the scratch directory,
//! and `return 200` with the same bodies and content types as the http-server example's
//! `/plaintext` and `/json`.

use super::running::Running;
use crate::proc::{find_in_path, free_port, Wrapper};
use crate::Res;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// Where nginx is looked for when it is not on `PATH` (Debian installs it in `/usr/sbin`).
const FALLBACK: &str = "/usr/sbin/nginx";

/// The nginx binary, or an error saying how to install it.
pub fn binary() -> Res<PathBuf> {
    find_in_path("nginx").or_else(|| Path::new(FALLBACK).is_file().then(|| FALLBACK.into())).ok_or_else(
        || {
            "nginx not found (looked on PATH and in /usr/sbin): install it with \
             `apt-get install nginx-light` (Debian/Ubuntu)"
                .into()
        },
    )
}

/// The configuration: one process, one listener on 127.0.0.1:`port`, scratch files under
/// `dir`.
///
/// `keepalive_requests` is raised from its default of 1,000 so that nginx, like the
/// example, keeps a connection open for as long as the client does: otherwise every
/// connection is closed and reopened every 1,000 requests, which the other servers never
/// pay for.
pub fn config(dir: &Path, port: u16) -> String {
    let d = dir.display();
    format!(
        "daemon off;
master_process off;
worker_processes 1;
error_log {d}/error.log warn;
pid {d}/nginx.pid;
events {{
    worker_connections 1024;
}}
http {{
    access_log off;
    server_tokens off;
    keepalive_requests 1000000000;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location = /plaintext {{
            default_type text/plain;
            return 200 \"Hello, World!\";
        }}
        location = /json {{
            default_type application/json;
            return 200 '{{\"message\":\"Hello, World!\"}}';
        }}
    }}
}}
"
    )
}

/// Starts nginx fresh under `wrapper`, pinned to `core` if given, and waits until it accepts.
pub fn start(wrapper: &Wrapper, core: Option<usize>) -> Res<Running> {
    static STARTS: AtomicU32 = AtomicU32::new(0);
    let bin = binary()?;
    let n = STARTS.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("tcpio-bench-nginx-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("nginx scratch directory {}: {e}", dir.display()))?;
    let port = free_port()?;
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, config(&dir, port))?;
    let error_log = dir.join("error.log");
    let (prefix, conf, error_log) =
        (dir.to_string_lossy(), conf.to_string_lossy(), error_log.to_string_lossy());
    let args = ["-p", &*prefix, "-c", &*conf, "-e", &*error_log];
    Running::program("nginx", &bin, &args, port, Some(dir.clone()), wrapper, core)
}
