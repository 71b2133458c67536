//! The HTML report's charts, drawn with `plotters` into SVG strings (its SVG backend escapes
//! every text it writes; labels from strangers are also made visible by `escape::for_terminal`).
//! Colours are the Okabe–Ito palette, which readers with any common colour-vision deficiency
//! tell apart; every bar carries its number and every line its own marker, so that nothing
//! depends on colour alone, on screen or in print.

use super::{KeyRates, Report};
use anyhow::{Result, anyhow};
use plotters::prelude::*;

const BLUE: RGBColor = RGBColor(0, 114, 178);
const ORANGE: RGBColor = RGBColor(230, 159, 0);
const GREEN: RGBColor = RGBColor(0, 158, 115);
const VERMILION: RGBColor = RGBColor(213, 94, 0);
const PURPLE: RGBColor = RGBColor(204, 121, 167);
const INK: RGBColor = RGBColor(34, 34, 34);

const FONT: &str = "sans-serif";
const WIDTH: u32 = 760;

fn failed(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("cannot draw a chart: {e}")
}

fn label(text: &str, max: usize) -> String {
    let shown = crate::escape::for_terminal(text);
    if shown.chars().count() > max {
        let cut: String = shown.chars().take(max - 1).collect();
        format!("{cut}…")
    } else {
        shown.into_owned()
    }
}

/// Horizontal bars, first row at the top, each with its value written at its end.
pub fn bars(title: &str, rows: &[(String, u64)], colour: RGBColor) -> Result<String> {
    let mut svg = String::new();
    {
        let n = rows.len().max(1) as i32;
        let height = 90 + 24 * n as u32;
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 19).into_font().color(&INK))
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(300)
            .build_cartesian_2d(0f64..max * 1.15, (0..n).into_segmented())
            .map_err(failed)?;
        let names: Vec<String> = rows.iter().map(|r| label(&r.0, 48)).collect();
        let name_of = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => {
                names.get((n - 1 - i) as usize).cloned().unwrap_or_default()
            }
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(rows.len().max(1))
            .y_label_formatter(&name_of)
            .label_style((FONT, 13).into_font().color(&INK))
            .x_labels(6)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .draw()
            .map_err(failed)?;
        chart
            .draw_series(
                Histogram::horizontal(&chart)
                    .style(colour.filled())
                    .margin(3)
                    .data(
                        rows.iter()
                            .enumerate()
                            .map(|(i, r)| (n - 1 - i as i32, r.1 as f64)),
                    ),
            )
            .map_err(failed)?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                Text::new(
                    format!(" {}", r.1),
                    (r.1 as f64, SegmentValue::CenterOf(n - 1 - i as i32)),
                    (FONT, 13)
                        .into_font()
                        .color(&INK)
                        .pos(plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Left,
                            plotters::style::text_anchor::VPos::Center,
                        )),
                )
            }))
            .map_err(failed)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// Vertical bars over ordered buckets (the expiry histogram).
pub fn columns(title: &str, rows: &[(String, u64)], colour: RGBColor) -> Result<String> {
    let mut svg = String::new();
    {
        let n = rows.len().max(1) as i32;
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 340)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 19).into_font().color(&INK))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d((0..n).into_segmented(), 0f64..max * 1.15)
            .map_err(failed)?;
        let names: Vec<String> = rows.iter().map(|r| label(&r.0, 24)).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(rows.len().max(1))
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => names.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style((FONT, 12).into_font().color(&INK))
            .y_desc("files")
            .draw()
            .map_err(failed)?;
        chart
            .draw_series(
                Histogram::vertical(&chart)
                    .style(colour.filled())
                    .margin(6)
                    .data(rows.iter().enumerate().map(|(i, r)| (i as i32, r.1 as f64))),
            )
            .map_err(failed)?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                Text::new(
                    format!("{}", r.1),
                    (SegmentValue::CenterOf(i as i32), r.1 as f64),
                    (FONT, 13)
                        .into_font()
                        .color(&INK)
                        .pos(plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Center,
                            plotters::style::text_anchor::VPos::Bottom,
                        )),
                )
            }))
            .map_err(failed)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// One rate per row with its Wilson interval as a whisker (the groups).
pub fn intervals(title: &str, rows: &[(String, f64, f64, f64)]) -> Result<String> {
    let mut svg = String::new();
    {
        let n = rows.len().max(1) as i32;
        let height = 90 + 26 * n as u32;
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 19).into_font().color(&INK))
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(240)
            .build_cartesian_2d(0f64..100f64, (0..n).into_segmented())
            .map_err(failed)?;
        let names: Vec<String> = rows.iter().map(|r| label(&r.0, 36)).collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(rows.len().max(1))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => {
                    names.get((n - 1 - i) as usize).cloned().unwrap_or_default()
                }
                _ => String::new(),
            })
            .x_label_formatter(&|x| format!("{x:.0} %"))
            .label_style((FONT, 13).into_font().color(&INK))
            .draw()
            .map_err(failed)?;
        chart
            .draw_series(
                Histogram::horizontal(&chart)
                    .style(BLUE.mix(0.35).filled())
                    .margin(5)
                    .data(
                        rows.iter()
                            .enumerate()
                            .map(|(i, r)| (n - 1 - i as i32, r.1)),
                    ),
            )
            .map_err(failed)?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                ErrorBar::new_horizontal(
                    SegmentValue::CenterOf(n - 1 - i as i32),
                    r.2,
                    r.1,
                    r.3,
                    INK.stroke_width(2),
                    10,
                )
            }))
            .map_err(failed)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// The key rates over runs, one line and one marker shape per rate.
pub fn trend(title: &str, runs: &[(String, KeyRates)]) -> Result<String> {
    let mut svg = String::new();
    {
        let n = runs.len().max(2);
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 360)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 19).into_font().color(&INK))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(50)
            .build_cartesian_2d(-0.3f64..(n as f64 - 0.7), 0f64..100f64)
            .map_err(failed)?;
        let names: Vec<String> = runs.iter().map(|r| label(&r.0, 20)).collect();
        chart
            .configure_mesh()
            .x_labels(n)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 {
                    names.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| format!("{y:.0} %"))
            .label_style((FONT, 13).into_font().color(&INK))
            .draw()
            .map_err(failed)?;
        type Pick = fn(&KeyRates) -> Option<f64>;
        let lines: [(&str, RGBColor, Pick); 5] = [
            ("present", BLUE, |r| r.present.percent),
            ("valid", ORANGE, |r| r.valid.percent),
            ("unexpired", GREEN, |r| r.unexpired.percent),
            ("signed", VERMILION, |r| r.signed.percent),
            ("verified", PURPLE, |r| r.verified.percent),
        ];
        for (k, (name, colour, pick)) in lines.into_iter().enumerate() {
            let points: Vec<(f64, f64)> = runs
                .iter()
                .enumerate()
                .filter_map(|(i, r)| pick(&r.1).map(|p| (i as f64, p)))
                .collect();
            let style = colour.stroke_width(2);
            chart
                .draw_series(LineSeries::new(points.clone(), style))
                .map_err(failed)?
                .label(name)
                .legend(move |(x, y)| marker(k, (x + 10, y), colour));
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|&p| EmptyElement::at(p) + marker(k, (0, 0), colour)),
                )
                .map_err(failed)?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(INK)
            .label_font((FONT, 13).into_font().color(&INK))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(failed)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// The `k`th marker shape: circle, triangle, cross, square, filled circle.
fn marker<DB: DrawingBackend>(
    k: usize,
    at: (i32, i32),
    colour: RGBColor,
) -> DynElement<'static, DB, (i32, i32)> {
    match k % 5 {
        0 => Circle::new(at, 5, colour.stroke_width(2)).into_dyn(),
        1 => TriangleMarker::new(at, 6, colour.filled()).into_dyn(),
        2 => Cross::new(at, 5, colour.stroke_width(2)).into_dyn(),
        3 => Rectangle::new(
            [(at.0 - 4, at.1 - 4), (at.0 + 4, at.1 + 4)],
            colour.filled(),
        )
        .into_dyn(),
        _ => Circle::new(at, 5, colour.filled()).into_dyn(),
    }
}

/// Every chart of a report, as (id, title, SVG), in the order the page shows them.
pub fn all(r: &Report) -> Result<Vec<(&'static str, String, String)>> {
    let mut out = Vec::new();
    let funnel: Vec<(String, u64)> = r
        .funnel
        .iter()
        .map(|s| (s.label.to_owned(), s.count))
        .collect();
    out.push((
        "funnel",
        "Funnel".to_owned(),
        bars("Funnel (domains)", &funnel, BLUE)?,
    ));
    let expiry: Vec<(String, u64)> = r
        .expiry
        .histogram
        .iter()
        .map(|b| (b.label.to_owned(), b.count))
        .collect();
    out.push((
        "expiry",
        "Days to expiry".to_owned(),
        columns("Files by days to expiry", &expiry, GREEN)?,
    ));
    let codes: Vec<(String, u64)> = r
        .diagnostics
        .iter()
        .take(15)
        .map(|c| (format!("{} ({})", c.code, c.level), c.files))
        .collect();
    out.push((
        "codes",
        "Commonest findings".to_owned(),
        bars("Commonest findings (files)", &codes, ORANGE)?,
    ));
    if let Some(g) = &r.groups {
        let rows: Vec<(String, f64, f64, f64)> = g
            .rows
            .iter()
            .filter_map(|row| {
                let p = &row.rates.present;
                Some((
                    if row.value.is_empty() {
                        "(none)".into()
                    } else {
                        row.value.clone()
                    },
                    p.percent?,
                    p.low?,
                    p.high?,
                ))
            })
            .collect();
        out.push((
            "groups",
            format!("By {}", g.tag),
            intervals(
                &format!(
                    "Domains with a file, by {} (95 % interval)",
                    label(&g.tag, 30)
                ),
                &rows,
            )?,
        ));
    }
    if let Some(t) = &r.trend {
        let runs: Vec<(String, KeyRates)> = t
            .runs
            .iter()
            .map(|p| (p.run.clone(), p.rates.clone()))
            .collect();
        out.push((
            "trend",
            "Trend".to_owned(),
            trend("Key rates by run", &runs)?,
        ));
    }
    Ok(out)
}
