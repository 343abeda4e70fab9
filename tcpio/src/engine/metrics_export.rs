//! The `metrics` feature: each loop's counters, published through the `metrics` crate
//! facade so that any exporter (Prometheus and the rest) picks them up.
//!
//! Handles are registered once per loop (labelled `loop = "<id>"`); each pass of the
//! loop then stores the counters' current values into them, which is a handful of
//! relaxed stores with a recorder installed and nothing without one.
//!
//! | name | kind | labels |
//! |---|---|---|
//! | `tcpio_connections_accepted_total` | counter | `loop` |
//! | `tcpio_connections_closed_total` | counter | `loop` |
//! | `tcpio_connections_open` | gauge | `loop` |
//! | `tcpio_bytes_received_total`, `tcpio_bytes_sent_total` | counter | `loop` |
//! | `tcpio_queued_bytes` | gauge | `loop` |
//! | `tcpio_handler_panics_total` | counter | `loop` |
//! | `tcpio_connections_refused_total` | counter | `loop`, `limit` (`max_connections`, `per_ip`, `rate`, `untrusted`) |
//! | `tcpio_connections_timed_out_total` | counter | `loop`, `timeout` (`idle`, `read`, `write`, `handshake`, `setup`) |
//! | `tcpio_connections_aborted_total` | counter | `loop` |
//! | `tcpio_broadcasts_dropped_total` | counter | `loop` |
//! | `tcpio_proxy_local_total` | counter | `loop` |
//! | `tcpio_tls_handshakes_total` | counter | `loop` |
//! | `tcpio_tls_resumed_total` | counter | `loop` |
//! | `tcpio_tls_failed_total` | counter | `loop` |

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use metrics::{counter, gauge, Counter, Gauge};

use super::shared::Counters;

/// Which counter a metric reads.
type Field = fn(&Counters) -> &AtomicU64;

/// One loop's registered metric handles.
pub(crate) struct LoopMetrics {
    counters: Vec<(Counter, Field)>,
    open: Gauge,
    queued: Gauge,
}

impl LoopMetrics {
    pub(crate) fn new(loop_id: usize) -> LoopMetrics {
        let l = loop_id.to_string();
        let c = |name: &'static str| counter!(name, "loop" => l.clone());
        let refused = |limit: &'static str| counter!("tcpio_connections_refused_total", "loop" => l.clone(), "limit" => limit);
        let timed_out = |kind: &'static str| counter!("tcpio_connections_timed_out_total", "loop" => l.clone(), "timeout" => kind);
        let counters: Vec<(Counter, Field)> = vec![
            (c("tcpio_connections_accepted_total"), |c| &c.accepted),
            (c("tcpio_connections_closed_total"), |c| &c.closed),
            (c("tcpio_bytes_received_total"), |c| &c.bytes_in),
            (c("tcpio_bytes_sent_total"), |c| &c.bytes_out),
            (c("tcpio_handler_panics_total"), |c| &c.panics),
            (c("tcpio_connections_aborted_total"), |c| &c.aborted),
            (c("tcpio_broadcasts_dropped_total"), |c| &c.broadcasts_dropped),
            (c("tcpio_proxy_local_total"), |c| &c.proxy_local),
            (c("tcpio_tls_handshakes_total"), |c| &c.tls_handshakes),
            (c("tcpio_tls_resumed_total"), |c| &c.tls_resumed),
            (c("tcpio_tls_failed_total"), |c| &c.tls_failed),
            (refused("max_connections"), |c| &c.refused_max_conns),
            (refused("per_ip"), |c| &c.refused_per_ip),
            (refused("rate"), |c| &c.refused_rate),
            (refused("untrusted"), |c| &c.refused_untrusted),
            (timed_out("idle"), |c| &c.timed_out_idle),
            (timed_out("read"), |c| &c.timed_out_read),
            (timed_out("write"), |c| &c.timed_out_write),
            (timed_out("handshake"), |c| &c.timed_out_handshake),
            (timed_out("setup"), |c| &c.timed_out_setup),
        ];
        LoopMetrics {
            counters,
            open: gauge!("tcpio_connections_open", "loop" => l.clone()),
            queued: gauge!("tcpio_queued_bytes", "loop" => l),
        }
    }

    /// Stores the counters' current values.
    pub(crate) fn publish(&self, c: &Counters) {
        for (m, field) in &self.counters {
            m.absolute(field(c).load(Relaxed));
        }
        let open = c.accepted.load(Relaxed).saturating_sub(c.closed.load(Relaxed));
        self.open.set(open as f64);
        self.queued.set(c.queued.load(Relaxed) as f64);
    }
}

impl std::fmt::Debug for LoopMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoopMetrics")
    }
}
