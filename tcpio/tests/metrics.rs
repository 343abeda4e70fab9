//! The `metrics` feature: the server's counters reach an installed recorder
//! (`cargo test -p tcpio --features metrics --test metrics`).
#![cfg(feature = "metrics")]

mod util;

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock};

use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use util::*;

/// Keeps every registered counter and gauge by its name and labels.
#[derive(Default)]
struct Memory(Mutex<HashMap<String, Arc<AtomicU64>>>);

impl Memory {
    fn cell(&self, key: &Key) -> Arc<AtomicU64> {
        let mut labels: Vec<String> = key.labels().map(|l| format!("{}={}", l.key(), l.value())).collect();
        labels.sort();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        self.0.lock().unwrap().entry(name).or_default().clone()
    }

    fn get(&self, name: &str) -> Option<u64> {
        self.0.lock().unwrap().get(name).map(|c| c.load(Relaxed))
    }
}

impl Recorder for &'static Memory {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.cell(key))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(self.cell(key))
    }
    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

#[test]
fn counters_reach_the_installed_recorder() {
    static MEMORY: OnceLock<Memory> = OnceLock::new();
    let memory = MEMORY.get_or_init(Memory::default);
    metrics::set_global_recorder(memory).unwrap();
    let (server, addr) = start(local().loops(1).max_connections(1), |_| Echo);
    let mut c = connect(addr);
    c.write_all(b"hello").unwrap();
    assert_eq!(read_n(&mut c, 5), b"hello");
    let mut refused = connect(addr);
    assert_eq!(read_to_end(&mut refused).unwrap(), b"");
    assert!(wait_for(|| memory.get("tcpio_bytes_sent_total{loop=0}") == Some(5)));
    assert!(wait_for(
        || memory.get("tcpio_connections_refused_total{limit=max_connections,loop=0}") == Some(1)
    ));
    assert_eq!(memory.get("tcpio_connections_accepted_total{loop=0}"), Some(1));
    let open = memory.get("tcpio_connections_open{loop=0}").map(f64::from_bits);
    assert_eq!(open, Some(1.0));
    drop(c);
    assert!(wait_for(|| memory.get("tcpio_connections_closed_total{loop=0}") == Some(1)));
    drop(server);
}
