//! The examples' command line: the flags every server example takes, its usage text,
//! and the run from binding to exit status.
//!
//! Every server example accepts `--bind URL` (repeatable; a default when absent),
//! `--loops N`, the PROXY protocol flags, the TLS flags (`--cert`, `--key`,
//! `--client-ca`, for `tls://` addresses) and `-h`/`--help`; an example adds its own flags and handles their
//! values in the closure given to [`Cli::parse`]. A mistake names the argument, prints
//! the usage and exits with status 2. [`Cli::serve`] then binds, starts the server,
//! maps SIGINT/SIGTERM to a graceful stop (and SIGHUP to a certificate reload from the
//! same files), prints the addresses it listens on and waits for the stop.
//!
//! ```no_run
//! use std::process::ExitCode;
//!
//! use tcpio_examples::cli::{self, Cli};
//!
//! fn main() -> ExitCode {
//!     let cli = Cli::new("my-server", "tcp://127.0.0.1:9000")
//!         .flag("--idle-timeout SECS", "close connections idle this long (default off)");
//!     let mut idle: Option<std::time::Duration> = None;
//!     let options = match cli.parse(std::env::args().skip(1), |flag, value| {
//!         match flag {
//!             "--idle-timeout" => idle = Some(cli::seconds(flag, value)?),
//!             _ => return Ok(false),
//!         }
//!         Ok(true)
//!     }) {
//!         Ok(options) => options,
//!         Err(code) => return code,
//!     };
//!     cli.run(&options, |builder| {
//!         let builder = match idle {
//!             Some(d) => builder.idle_timeout(d),
//!             None => builder,
//!         };
//!         builder.start(|_| tcpio_examples::echo::Echo)
//!     })
//! }
//! ```

use std::fmt::Write as _;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;

use tcpio::tls::{ClientAuth, TlsServer};
use tcpio::{BindAddr, BindOptions, Builder, Server, ServerHandle};

/// What `--bind` accepts, for the usage text.
const BIND_HELP: &str = "tcp://host:port, tcp4://, tcp6://, tls://host:port, unix:///path\nor host:port; proxy+tcp://... requires the PROXY protocol header";

/// An example's command line: its name, the address it binds by default, and the
/// flags of its own (for the usage text; their values are handled by the caller).
#[derive(Clone, Debug)]
pub struct Cli {
    name: &'static str,
    default_bind: &'static str,
    flags: Vec<Flag>,
    modes: Vec<&'static str>,
}

/// One of an example's own flags, as the usage text shows it.
#[derive(Clone, Debug)]
struct Flag {
    spec: &'static str,
    help: &'static str,
    shown: Shown,
}

/// Where a flag appears in the usage text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shown {
    /// Before the common flags, without brackets, and in the list.
    Required,
    /// After the common flags, in brackets, and in the list.
    Optional,
    /// In the list only (it belongs to another mode, see [`Cli::mode`]).
    Listed,
}

/// The common flags' values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Every `--bind` in order; empty when none was given (the default then applies).
    pub binds: Vec<String>,
    /// `--port N`: the default address, on port `N` (as `redis-server --port`).
    pub port: Option<u16>,
    /// `--loops`: event loops, 0 for one per core.
    pub loops: usize,
    /// `--proxy-protocol`: every address requires the PROXY protocol header.
    pub proxy_protocol: bool,
    /// `--proxy-trust CIDR` (repeatable): who may send the header (default loopback).
    pub proxy_trust: Vec<String>,
    /// `--cert PEM`: the certificate chain `tls://` addresses present.
    pub cert: Option<String>,
    /// `--key PEM`: its private key.
    pub key: Option<String>,
    /// `--client-ca PEM`: clients of `tls://` addresses must present a certificate
    /// this CA bundle verifies (mutual TLS).
    pub client_ca: Option<String>,
}

/// Why parsing stopped before a run.
#[derive(Debug, PartialEq, Eq)]
enum Stop {
    /// `-h` or `--help`.
    Help,
    /// A mistake, described.
    Mistake(String),
}

impl Cli {
    /// The command line of example `name`, which binds `default_bind` when no
    /// `--bind` is given.
    pub fn new(name: &'static str, default_bind: &'static str) -> Cli {
        Cli { name, default_bind, flags: Vec::new(), modes: Vec::new() }
    }

    /// Documents an optional flag of the example's own: `spec` is the flag and its
    /// value's name (`"--max-conns N"`), `help` what it does (lines split by `\n`).
    pub fn flag(mut self, spec: &'static str, help: &'static str) -> Cli {
        self.flags.push(Flag { spec, help, shown: Shown::Optional });
        self
    }

    /// Documents a flag the example cannot run without (the example checks it).
    pub fn required(mut self, spec: &'static str, help: &'static str) -> Cli {
        self.flags.push(Flag { spec, help, shown: Shown::Required });
        self
    }

    /// Documents another way to run the example, `synopsis` being its flags, and
    /// `flags` (spec and help, as for [`flag`](Self::flag)) those only it takes.
    pub fn mode(mut self, synopsis: &'static str, flags: &[(&'static str, &'static str)]) -> Cli {
        self.modes.push(synopsis);
        self.flags.extend(flags.iter().map(|&(spec, help)| Flag { spec, help, shown: Shown::Listed }));
        self
    }

    /// The usage text: the synopsis, then every flag with what it does.
    pub fn usage(&self) -> String {
        let shown = |which: Shown| self.flags.iter().filter(move |f| f.shown == which);
        let mut text = format!("usage: {}", self.name);
        for f in shown(Shown::Required) {
            let _ = write!(text, " {}", f.spec);
        }
        text.push_str(
            " [--bind URL]... [--port N] [--loops N] [--proxy-protocol] [--proxy-trust CIDR]...\n       \
             [--cert PEM --key PEM [--client-ca PEM]]",
        );
        for f in shown(Shown::Optional) {
            let _ = write!(text, " [{}]", f.spec);
        }
        for mode in &self.modes {
            let _ = write!(text, "\n       {} {mode}", self.name);
        }
        let bind_help = format!("{BIND_HELP}\n(repeatable; default {})", self.default_bind);
        let common = [
            ("--bind URL", bind_help.as_str()),
            ("--port N", "the default address on port N instead (0: any free port)"),
            ("--loops N", "event loops, 0 = one per core (default 0)"),
            ("--proxy-protocol", "every address requires the PROXY protocol header (v1 or v2)"),
            ("--proxy-trust CIDR", "a source allowed to send it (repeatable; default loopback)"),
            ("--cert PEM", "certificate chain for tls:// addresses (reloaded on SIGHUP)"),
            ("--key PEM", "its private key"),
            ("--client-ca PEM", "require client certificates this CA bundle verifies"),
        ];
        let list: Vec<(&str, &str)> =
            common.into_iter().chain(self.flags.iter().map(|f| (f.spec, f.help))).collect();
        let width = list.iter().map(|(spec, _)| spec.len()).max().unwrap_or(0) + 3;
        for (spec, help) in list {
            let mut lines = help.lines();
            let _ = write!(text, "\n  {spec:<width$}{}", lines.next().unwrap_or(""));
            for line in lines {
                let _ = write!(text, "\n  {:width$}{line}", "");
            }
        }
        text
    }

    /// Parses `args` (the arguments after the program's name). The common flags are
    /// handled here; any other flag and its value go to `own`, which returns whether
    /// the flag is one of the example's, or what is wrong with its value.
    ///
    /// On `-h`/`--help` the usage is printed and the result is `Err` with status 0;
    /// on a mistake, the mistake and the usage are printed and it is `Err` with
    /// status 2: return it from `main`.
    pub fn parse(
        &self,
        args: impl IntoIterator<Item = String>,
        own: impl FnMut(&str, &str) -> Result<bool, String>,
    ) -> Result<Options, ExitCode> {
        match parse_args(args, own) {
            Ok(options) => Ok(options),
            Err(Stop::Help) => {
                println!("{}", self.usage());
                Err(ExitCode::SUCCESS)
            }
            Err(Stop::Mistake(msg)) => Err(self.fail(&msg)),
        }
    }

    /// Reports a mistake in the command line (or a failure to start): prints it and
    /// the usage on stderr, and returns exit status 2.
    pub fn fail(&self, msg: &str) -> ExitCode {
        eprintln!("{}: {msg}\n{}", self.name, self.usage());
        ExitCode::from(2)
    }

    /// Runs a server: a builder with `options`' loops, bound to its addresses (or the
    /// default one), is given to `start`; SIGINT/SIGTERM then stop the server
    /// gracefully; the addresses it listens on are printed as `NAME listening on
    /// ADDR`; and this waits until it has stopped. Returns the stopped server (for
    /// its statistics), or the exit status of a failure, already reported.
    pub fn serve(
        &self,
        options: &Options,
        start: impl FnOnce(Builder) -> Result<ServerHandle, tcpio::Error>,
    ) -> Result<ServerHandle, ExitCode> {
        let fail = |e: tcpio::Error| self.fail(&e.to_string());
        let mut builder = Server::builder().loops(options.loops);
        let host_port = self.default_bind.rsplit_once(':').filter(|(_, port)| port.parse::<u16>().is_ok());
        let default = [match (options.port, host_port) {
            (Some(port), Some((host, _))) => format!("{host}:{port}"),
            _ => self.default_bind.to_string(),
        }];
        let binds = if options.binds.is_empty() { &default[..] } else { &options.binds[..] };
        let parsed: Vec<BindAddr> =
            binds.iter().map(|b| BindAddr::parse(b)).collect::<Result<_, _>>().map_err(fail)?;
        let tls = self.tls(options, parsed.iter().any(BindAddr::is_tls))?;
        let secure: Vec<bool> = parsed.iter().map(BindAddr::is_tls).collect();
        for addr in parsed {
            let mut bind = BindOptions::new();
            if let (true, Some(tls)) = (addr.is_tls(), &tls) {
                bind = bind.tls(tls.clone());
            }
            if options.proxy_protocol || addr.is_proxy() {
                bind = bind.proxy_protocol();
                for t in &options.proxy_trust {
                    bind = bind.trust(t);
                }
            }
            builder = builder.bind_with(&addr, bind).map_err(fail)?;
        }
        if !options.proxy_trust.is_empty()
            && !options.proxy_protocol
            && !binds.iter().any(|b| b.starts_with("proxy+"))
        {
            return Err(self.fail("--proxy-trust needs --proxy-protocol or a proxy+ address"));
        }
        let server = start(builder).map_err(fail)?;
        // Installed before the addresses are printed: whoever waits for them may
        // signal at once.
        server.shutdown_on_signals().map_err(fail)?;
        if let Some(tls) = tls {
            self.reload_on_sighup(tls, options);
        }
        for (a, tls) in server.local_addrs().iter().zip(secure) {
            match (tls, a.as_ip()) {
                (true, Some(ip)) => println!("{} listening on tls://{ip}", self.name),
                _ => println!("{} listening on {a}", self.name),
            }
        }
        server.wait().map_err(fail)?;
        Ok(server)
    }

    /// The TLS settings of the `tls://` addresses, from `--cert`, `--key` and
    /// `--client-ca`; `None` when there is no such address (and then no TLS flag).
    fn tls(&self, options: &Options, wanted: bool) -> Result<Option<TlsServer>, ExitCode> {
        let given = options.cert.is_some() || options.key.is_some() || options.client_ca.is_some();
        let (cert, key) = match (&options.cert, &options.key, wanted) {
            (_, _, false) if given => {
                return Err(self.fail("--cert, --key and --client-ca need a tls:// address"))
            }
            (_, _, false) => return Ok(None),
            (Some(cert), Some(key), true) => (cert, key),
            _ => return Err(self.fail("a tls:// address needs --cert PEM and --key PEM")),
        };
        let fail = |e: tcpio::tls::TlsConfigError| self.fail(&e.to_string());
        let mut tls = TlsServer::new(cert.as_str(), key.as_str()).map_err(fail)?;
        if let Some(ca) = &options.client_ca {
            tls = tls.client_auth(ClientAuth::Required, ca.as_str()).map_err(fail)?;
        }
        Ok(Some(tls))
    }

    /// Reloads the certificate and key from their files on SIGHUP: new handshakes
    /// use them, open connections keep theirs; a bad file leaves the old ones.
    fn reload_on_sighup(&self, tls: TlsServer, options: &Options) {
        let (Some(cert), Some(key)) = (options.cert.clone(), options.key.clone()) else { return };
        let name = self.name;
        let mut signals = match signal_hook::iterator::Signals::new([signal_hook::consts::SIGHUP]) {
            Ok(s) => s,
            Err(e) => return eprintln!("{name}: cannot watch SIGHUP for certificate reloads: {e}"),
        };
        std::thread::spawn(move || {
            for _ in signals.forever() {
                match tls.reload(cert.as_str(), key.as_str()) {
                    Ok(()) => eprintln!("{name}: certificate reloaded from {cert}"),
                    Err(e) => eprintln!("{name}: certificate not reloaded: {e}"),
                }
            }
        });
    }

    /// The whole `main` of an example with no flags of its own: [`parse`](Self::parse)
    /// the process's arguments, then [`run`](Self::run) the server `start` starts.
    pub fn main(&self, start: impl FnOnce(Builder) -> Result<ServerHandle, tcpio::Error>) -> ExitCode {
        match self.parse(std::env::args().skip(1), |_, _| Ok(false)) {
            Ok(options) => self.run(&options, start),
            Err(code) => code,
        }
    }

    /// [`serve`](Self::serve), then exit status 0 once the server has stopped.
    pub fn run(
        &self,
        options: &Options,
        start: impl FnOnce(Builder) -> Result<ServerHandle, tcpio::Error>,
    ) -> ExitCode {
        match self.serve(options, start) {
            Ok(_) => ExitCode::SUCCESS,
            Err(code) => code,
        }
    }
}

/// Parses the common flags, handing the others to `own`.
fn parse_args(
    args: impl IntoIterator<Item = String>,
    mut own: impl FnMut(&str, &str) -> Result<bool, String>,
) -> Result<Options, Stop> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        // The flags that take no value.
        match a.as_str() {
            "-h" | "--help" => return Err(Stop::Help),
            "--proxy-protocol" => {
                options.proxy_protocol = true;
                continue;
            }
            _ => {}
        }
        match (a.as_str(), args.next()) {
            ("--bind", Some(v)) => options.binds.push(v),
            ("--port", Some(v)) => options.port = Some(number("--port", &v).map_err(Stop::Mistake)?),
            ("--loops", Some(v)) => options.loops = number("--loops", &v).map_err(Stop::Mistake)?,
            ("--proxy-trust", Some(v)) => options.proxy_trust.push(v),
            ("--cert", Some(v)) => options.cert = Some(v),
            ("--key", Some(v)) => options.key = Some(v),
            ("--client-ca", Some(v)) => options.client_ca = Some(v),
            (flag, Some(v)) => match own(flag, &v) {
                Ok(true) => {}
                Ok(false) => return Err(Stop::Mistake(format!("unknown or incomplete argument {flag:?}"))),
                Err(msg) => return Err(Stop::Mistake(msg)),
            },
            (flag, None) => return Err(Stop::Mistake(format!("unknown or incomplete argument {flag:?}"))),
        }
    }
    if options.port.is_some() && !options.binds.is_empty() {
        let why = "--port sets the port of the default address; with --bind, give each address its port";
        return Err(Stop::Mistake(why.to_string()));
    }
    Ok(options)
}

/// The value of `flag` as a number: `"--count takes a number, not \"x\""` otherwise.
pub fn number<T: FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value.parse().map_err(|_| format!("{flag} takes a number, not {value:?}"))
}

/// The value of `flag` as a number above 0.
pub fn positive(flag: &str, value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{flag} takes a positive number, not {value:?}")),
    }
}

/// The value of `flag` as a positive number of seconds, fractions allowed.
pub fn seconds(flag: &str, value: &str) -> Result<Duration, String> {
    match value.parse::<f64>().ok().and_then(|s| Duration::try_from_secs_f64(s).ok()) {
        Some(d) if !d.is_zero() => Ok(d),
        _ => Err(format!("{flag} takes a positive number of seconds, not {value:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// Parses with one own flag, `--count N`.
    fn parse(list: &[&str]) -> (Result<Options, Stop>, Option<u32>) {
        let mut count = None;
        let parsed = parse_args(args(list), |flag, value| {
            match flag {
                "--count" => count = Some(number(flag, value)?),
                _ => return Ok(false),
            }
            Ok(true)
        });
        (parsed, count)
    }

    #[test]
    fn common_and_own_flags_are_parsed() {
        let (parsed, count) =
            parse(&["--bind", "tcp://127.0.0.1:1", "--loops", "2", "--count", "7", "--bind", "unix:///x"]);
        let want =
            Options { binds: args(&["tcp://127.0.0.1:1", "unix:///x"]), loops: 2, ..Options::default() };
        assert_eq!(parsed, Ok(want));
        assert_eq!(count, Some(7));
        assert_eq!(parse(&[]).0, Ok(Options::default()));
        // `--proxy-protocol` takes no value; `--proxy-trust` repeats.
        let (parsed, _) = parse(&[
            "--proxy-protocol",
            "--proxy-trust",
            "10.0.0.0/8",
            "--loops",
            "1",
            "--proxy-trust",
            "::1",
        ]);
        let want = Options {
            loops: 1,
            proxy_protocol: true,
            proxy_trust: args(&["10.0.0.0/8", "::1"]),
            ..Options::default()
        };
        assert_eq!(parsed, Ok(want));
    }

    #[test]
    fn mistakes_name_the_argument() {
        let mistake = |list: &[&str]| match parse(list).0 {
            Err(Stop::Mistake(m)) => m,
            other => panic!("{other:?}"),
        };
        assert_eq!(mistake(&["--loops", "x"]), "--loops takes a number, not \"x\"");
        assert_eq!(mistake(&["--count", "-1"]), "--count takes a number, not \"-1\"");
        assert_eq!(mistake(&["--nope", "1"]), "unknown or incomplete argument \"--nope\"");
        assert_eq!(mistake(&["--bind"]), "unknown or incomplete argument \"--bind\"");
        assert_eq!(mistake(&["--port", "65536"]), "--port takes a number, not \"65536\"");
        assert_eq!(
            mistake(&["--port", "1", "--bind", "127.0.0.1:2"]),
            "--port sets the port of the default address; with --bind, give each address its port"
        );
        assert_eq!(parse(&["--port", "6380"]).0, Ok(Options { port: Some(6380), ..Options::default() }));
        assert_eq!(parse(&["--loops", "1", "-h"]).0, Err(Stop::Help));
        assert_eq!(parse(&["--help", "--bind"]).0, Err(Stop::Help));
    }

    #[test]
    fn values_are_checked() {
        assert_eq!(seconds("--t", "0.5"), Ok(Duration::from_millis(500)));
        for bad in ["0", "-1", "x", "inf", "NaN"] {
            assert_eq!(
                seconds("--t", bad),
                Err(format!("--t takes a positive number of seconds, not {bad:?}"))
            );
        }
        assert_eq!(positive("--n", "3"), Ok(3));
        assert_eq!(positive("--n", "0"), Err("--n takes a positive number, not \"0\"".to_string()));
    }

    #[test]
    fn the_usage_lists_every_flag_aligned() {
        let cli = Cli::new("demo", "tcp://127.0.0.1:1")
            .required("--to ADDR", "where to go")
            .flag("--max-conns N", "at most N\nat once")
            .mode("--connect ADDR", &[("--connect ADDR", "be the client")]);
        let want = "\
usage: demo --to ADDR [--bind URL]... [--port N] [--loops N] [--proxy-protocol] [--proxy-trust CIDR]...
       [--cert PEM --key PEM [--client-ca PEM]] [--max-conns N]
       demo --connect ADDR
  --bind URL           tcp://host:port, tcp4://, tcp6://, tls://host:port, unix:///path
                       or host:port; proxy+tcp://... requires the PROXY protocol header
                       (repeatable; default tcp://127.0.0.1:1)
  --port N             the default address on port N instead (0: any free port)
  --loops N            event loops, 0 = one per core (default 0)
  --proxy-protocol     every address requires the PROXY protocol header (v1 or v2)
  --proxy-trust CIDR   a source allowed to send it (repeatable; default loopback)
  --cert PEM           certificate chain for tls:// addresses (reloaded on SIGHUP)
  --key PEM            its private key
  --client-ca PEM      require client certificates this CA bundle verifies
  --to ADDR            where to go
  --max-conns N        at most N
                       at once
  --connect ADDR       be the client";
        assert_eq!(cli.usage(), want);
    }
}
