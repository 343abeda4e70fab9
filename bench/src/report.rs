//! Report helpers: medians, spreads and markdown tables.

/// Median of `values` (mean of the middle two for an even count); NaN when empty.
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// Smallest and largest of `values` (NaN, NaN when empty).
pub fn min_max(values: &[f64]) -> (f64, f64) {
    let v = values.iter().copied().filter(|x| !x.is_nan());
    let lo = v.clone().fold(f64::INFINITY, f64::min);
    let hi = v.fold(f64::NEG_INFINITY, f64::max);
    if lo.is_finite() {
        (lo, hi)
    } else {
        (f64::NAN, f64::NAN)
    }
}

/// Formats a ratio's median with its min–max spread, e.g. `1.020 (0.980–1.100)`.
pub fn ratio_cell(per_round: &[f64]) -> String {
    let (lo, hi) = min_max(per_round);
    format!("{:.3} ({lo:.3}–{hi:.3})", median(per_round))
}

/// Formats a number with thousands separators and no decimals.
pub fn grouped(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < -0.5 {
        out.insert(0, '-');
    }
    out
}

/// A markdown table with right-aligned, padded columns.
pub struct Table {
    /// Column titles.
    headers: Vec<String>,
    /// Rows of cells, one per column.
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with the given column titles.
    pub fn new(headers: &[&str]) -> Table {
        Table { headers: headers.iter().map(|h| h.to_string()).collect(), rows: Vec::new() }
    }

    /// Appends a row (missing cells render empty).
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// Renders the table as markdown.
    pub fn render(&self) -> String {
        let cols = self.headers.len();
        let cell = |row: &Vec<String>, c: usize| row.get(c).cloned().unwrap_or_default();
        let width = |c: usize| {
            let body = self.rows.iter().map(|r| cell(r, c).chars().count());
            body.chain([self.headers[c].chars().count(), 3]).max().unwrap_or(3)
        };
        let widths: Vec<usize> = (0..cols).map(width).collect();
        let line = |cells: Vec<String>| {
            let padded: Vec<String> = cells.iter().zip(&widths).map(|(s, &w)| format!("{s:>w$}")).collect();
            format!("| {} |\n", padded.join(" | "))
        };
        let mut out = line(self.headers.clone());
        out += &line(widths.iter().map(|&w| format!("{}:", "-".repeat(w - 1))).collect());
        for row in &self.rows {
            out += &line((0..cols).map(|c| cell(row, c)).collect());
        }
        out
    }
}

/// `--rounds` (at least 3, default 5) and `--seconds` per measurement (0.1 to 600,
/// default 2) of a two-server comparison.
pub fn rounds_and_seconds(flags: &crate::Flags) -> crate::Res<(usize, std::time::Duration)> {
    let rounds: usize = flags.get("rounds", 5)?;
    let seconds: f64 = flags.get("seconds", 2.0)?;
    if rounds < 3 || !(0.1..=600.0).contains(&seconds) {
        return Err("--rounds must be at least 3 and --seconds between 0.1 and 600".into());
    }
    Ok((rounds, std::time::Duration::from_secs_f64(seconds)))
}

/// Runs `measure(round, server)` for two servers, `rounds` times, alternating which goes
/// first; the samples per server, in round order.
pub fn interleave_two<S>(
    rounds: usize,
    mut measure: impl FnMut(usize, usize) -> crate::Res<S>,
) -> crate::Res<[Vec<S>; 2]> {
    let mut samples = [Vec::new(), Vec::new()];
    for round in 0..rounds {
        for k in 0..2 {
            let si = (k + round) % 2;
            samples[si].push(measure(round, si)?);
        }
    }
    Ok(samples)
}
