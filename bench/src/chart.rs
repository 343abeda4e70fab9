//! SVG charts of the results (`plotters`, SVG backend only: no font or system libraries
//! needed; text is left for the viewer to render).

use crate::Res;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

/// Where charts are written: `docs/bench/` in the workspace.
pub fn chart_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/bench")
}

/// Bar colours, one per series, in series order.
const COLOURS: [RGBColor; 5] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(127, 127, 127),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
];

/// Colours of target lines on ratio charts (the peer's line at 1 is black).
const TARGET_COLOURS: [RGBColor; 2] = [RGBColor(214, 39, 40), RGBColor(148, 103, 189)];

/// One group of bars: a label and one value per series (NaN: no bar).
pub struct Group {
    /// Label under the group.
    pub label: String,
    /// One value per series.
    pub values: Vec<f64>,
}

/// Draws grouped bars, one group per workload and one bar per series, with each bar's value
/// written above it; writes `file` under [`chart_dir`] and says where. A partial run (a
/// value that was not measured) leaves the committed chart alone and says so.
pub fn grouped_bars(file: &str, title: &str, y_desc: &str, series: &[&str], groups: &[Group]) -> Res<String> {
    if groups.is_empty() || groups.iter().any(|g| g.values.iter().any(|v| v.is_nan())) {
        return Ok(format!("{file} not written (a partial run)"));
    }
    let dir = chart_dir();
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(file);
    let per = series.len() + 1; // bars plus a gap
    let slots = (groups.len() * per).max(1) as u32;
    let top =
        groups.iter().flat_map(|g| g.values.iter().copied()).filter(|v| v.is_finite()).fold(0.0, f64::max);
    let width = (120 + groups.len() as u32 * (series.len() as u32 * 34 + 30)).max(640);
    let root = SVGBackend::new(&path, (width, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| format!("chart: {e}"))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(70)
        .build_cartesian_2d((0..slots).into_segmented(), 0.0..(top * 1.15).max(1e-9))
        .map_err(|e| format!("chart: {e}"))?;
    let labels: Vec<&str> = groups.iter().map(|g| g.label.as_str()).collect();
    let middle = series.len() / 2;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(slots as usize)
        .x_label_formatter(&|x| group_label(x, &labels, per, middle))
        .y_desc(y_desc)
        .y_label_formatter(&|v| short(*v))
        .draw()
        .map_err(|e| format!("chart: {e}"))?;
    for (s, name) in series.iter().enumerate() {
        let colour = COLOURS[s % COLOURS.len()];
        let bars =
            groups.iter().enumerate().filter(|(_, g)| g.values.get(s).is_some_and(|v| v.is_finite())).map(
                |(gi, g)| {
                    let x = (gi * per + s) as u32;
                    Rectangle::new(
                        [(SegmentValue::Exact(x), 0.0), (SegmentValue::Exact(x + 1), g.values[s])],
                        colour.filled(),
                    )
                },
            );
        chart
            .draw_series(bars)
            .map_err(|e| format!("chart: {e}"))?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.filled()));
        let text = ("sans-serif", 10).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Bottom));
        let values =
            groups.iter().enumerate().filter(|(_, g)| g.values.get(s).is_some_and(|v| v.is_finite())).map(
                |(gi, g)| {
                    let x = (gi * per + s) as u32;
                    Text::new(short(g.values[s]), (SegmentValue::CenterOf(x), g.values[s]), text.clone())
                },
            );
        chart.draw_series(values).map_err(|e| format!("chart: {e}"))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| format!("chart: {e}"))?;
    root.present().map_err(|e| format!("chart: {e}"))?;
    drop(chart);
    drop(root);
    Ok(path.display().to_string())
}

/// A number in a few characters: `2.1M`, `950k`, `3.9k`, `412`.
pub fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 10.0 || a == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// One group of a ratio chart: a label and, per series, the median ratio with its min–max
/// spread (`[median, lo, hi]`; NaN median: no bar).
pub struct RatioGroup {
    /// Label under the group.
    pub label: String,
    /// `[median, min, max]` per series.
    pub ratios: Vec<[f64; 3]>,
}

/// A horizontal line across a ratio chart: at 1 the peer, elsewhere a target.
pub struct Mark {
    /// Where the line is drawn.
    pub at: f64,
    /// The text at its right end.
    pub label: String,
}

/// Draws ratios to a peer (the peer = 1) as grouped bars with min–max whiskers and
/// horizontal lines at `marks`, so series measured on different scales (`-P 1` and `-P 32`)
/// read on one axis; writes `file` under [`chart_dir`] and says where. The peer's label sits
/// below its line and the targets' above theirs, so that lines close together (1 and 1.1)
/// stay readable.
pub fn ratio_bars(
    file: &str,
    title: &str,
    y_desc: &str,
    series: &[&str],
    groups: &[RatioGroup],
    marks: &[Mark],
) -> Res<String> {
    if groups.is_empty() || groups.iter().any(|g| g.ratios.iter().any(|r| r[0].is_nan())) {
        return Ok(format!("{file} not written (a partial run)"));
    }
    let dir = chart_dir();
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(file);
    let per = series.len() + 1;
    let slots = (groups.len() * per).max(1) as u32;
    let tallest = groups.iter().flat_map(|g| g.ratios.iter().map(|r| r[0].max(r[2])));
    let top = tallest.chain(marks.iter().map(|m| m.at)).filter(|v| v.is_finite()).fold(0.0, f64::max);
    let width = (160 + groups.len() as u32 * (series.len() as u32 * 34 + 30)).max(640);
    let root = SVGBackend::new(&path, (width, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| format!("chart: {e}"))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .margin_right(80)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d((0..slots).into_segmented(), 0.0..(top * 1.12).max(1e-9))
        .map_err(|e| format!("chart: {e}"))?;
    let labels: Vec<&str> = groups.iter().map(|g| g.label.as_str()).collect();
    let middle = series.len() / 2;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(slots as usize)
        .x_label_formatter(&|x| group_label(x, &labels, per, middle))
        .y_desc(y_desc)
        .y_label_formatter(&|v| format!("{v:.1}"))
        .draw()
        .map_err(|e| format!("chart: {e}"))?;
    let err = |e| format!("chart: {e}");
    for (s, name) in series.iter().enumerate() {
        let colour = COLOURS[s % COLOURS.len()];
        let at = |gi: usize| (gi * per + s) as u32;
        let bars = groups.iter().enumerate().map(|(gi, g)| {
            let x = at(gi);
            Rectangle::new(
                [(SegmentValue::Exact(x), 0.0), (SegmentValue::Exact(x + 1), g.ratios[s][0])],
                colour.filled(),
            )
        });
        chart
            .draw_series(bars)
            .map_err(err)?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.filled()));
        let whiskers =
            groups.iter().enumerate().filter(|(_, g)| g.ratios[s][1].is_finite()).map(|(gi, g)| {
                let x = SegmentValue::CenterOf(at(gi));
                PathElement::new(
                    vec![(x.clone(), g.ratios[s][1]), (x, g.ratios[s][2])],
                    BLACK.stroke_width(1),
                )
            });
        chart.draw_series(whiskers).map_err(err)?;
        let text = ("sans-serif", 10).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Bottom));
        let values = groups.iter().enumerate().map(|(gi, g)| {
            let y = g.ratios[s][0].max(g.ratios[s][2]);
            Text::new(format!("{:.2}", g.ratios[s][0]), (SegmentValue::CenterOf(at(gi)), y), text.clone())
        });
        chart.draw_series(values).map_err(err)?;
    }
    for (i, m) in marks.iter().filter(|m| m.at != 1.0).chain(marks.iter().filter(|m| m.at == 1.0)).enumerate()
    {
        let colour = if m.at == 1.0 { BLACK } else { TARGET_COLOURS[i % TARGET_COLOURS.len()] };
        let line = PathElement::new(
            vec![(SegmentValue::Exact(0), m.at), (SegmentValue::Exact(slots), m.at)],
            colour.stroke_width(if m.at == 1.0 { 2 } else { 1 }),
        );
        let label = Text::new(
            m.label.clone(),
            (SegmentValue::Exact(slots), m.at),
            ("sans-serif", 11)
                .into_font()
                .color(&colour)
                .pos(Pos::new(HPos::Left, if m.at == 1.0 { VPos::Top } else { VPos::Bottom })),
        );
        chart.plotting_area().draw(&line).map_err(err)?;
        chart.plotting_area().draw(&label).map_err(err)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)?;
    drop(chart);
    drop(root);
    Ok(path.display().to_string())
}

/// The x label of segment `x` in a chart of groups of `per` slots: the group's label
/// under its `middle` bar, nothing elsewhere.
fn group_label(x: &SegmentValue<u32>, labels: &[&str], per: usize, middle: usize) -> String {
    match x {
        SegmentValue::CenterOf(i) if (*i as usize) % per == middle => {
            labels.get(*i as usize / per).map_or(String::new(), |s| s.to_string())
        }
        _ => String::new(),
    }
}
