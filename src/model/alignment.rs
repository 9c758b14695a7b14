//! Paragraph alignment of an original and its translation, by length (Gale–Church) and shared numbers.
//!
//! Sources break texts into paragraphs differently: a Russian cipher telegram's seven header
//! lines are one paragraph of its English translation, two short Russian paragraphs are one
//! English one. Pairing paragraphs by their index drifts apart after the first such place.
//! [`align`] instead finds the most probable sequence of groups (1–1, 1–0, 0–1, 2–1, 1–2, 2–2,
//! and n–1 or 1–n up to eight for header blocks), scoring each by how well the lengths of its
//! two sides fit the text-wide length ratio (Gale and Church 1993: the length difference is
//! normally distributed), and rewarding groups whose sides share numbers (`3305`, `1.`, `38`),
//! which translations keep.

use std::ops::Range;

/// One aligned group: paragraphs `original` of the original beside `translation` of the
/// translation; either may be empty (a paragraph with no counterpart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aligned {
    /// Indexes into the original's paragraphs.
    pub original: Range<usize>,
    /// Indexes into the translation's paragraphs.
    pub translation: Range<usize>,
}

/// Above this many cells the dynamic programme is not run, and paragraphs are paired by index.
const MAX_CELLS: usize = 400_000;
/// The variance of the length difference per character (Gale and Church's estimate).
const VARIANCE: f64 = 6.8;

/// The group shapes tried, with their prior probabilities.
fn shapes() -> Vec<(usize, usize, f64)> {
    let mut s = vec![
        (1, 1, 0.89),
        (1, 0, 0.0099),
        (0, 1, 0.0099),
        (2, 1, 0.0445),
        (1, 2, 0.0445),
        (2, 2, 0.011),
    ];
    for k in 3..=8 {
        let p = 0.0445 * 0.25f64.powi(k as i32 - 2);
        s.push((k, 1, p));
        s.push((1, k, p));
    }
    s
}

/// Aligns the paragraphs of an original with those of its translation. The groups cover both
/// sides in order, each paragraph exactly once.
pub fn align(original: &[&str], translation: &[&str]) -> Vec<Aligned> {
    let (n, m) = (original.len(), translation.len());
    if n == 0 || m == 0 || (n + 1) * (m + 1) > MAX_CELLS {
        return by_index(n, m);
    }
    let lo: Vec<f64> = original.iter().map(|p| length(p)).collect();
    let lt: Vec<f64> = translation.iter().map(|p| length(p)).collect();
    let ratio = (lt.iter().sum::<f64>() / lo.iter().sum::<f64>().max(1.0)).clamp(0.3, 3.0);
    let no: Vec<Vec<String>> = original.iter().map(|p| numbers(p)).collect();
    let nt: Vec<Vec<String>> = translation.iter().map(|p| numbers(p)).collect();
    let shapes = shapes();
    let width = m + 1;
    let mut cost = vec![f64::INFINITY; (n + 1) * width];
    let mut back = vec![(0usize, 0usize); (n + 1) * width];
    cost[0] = 0.0;
    for i in 0..=n {
        for j in 0..=m {
            let here = cost[i * width + j];
            if !here.is_finite() {
                continue;
            }
            for &(a, b, prior) in &shapes {
                if i + a > n || j + b > m {
                    continue;
                }
                let c = here
                    + group_cost(
                        &lo[i..i + a],
                        &lt[j..j + b],
                        &no[i..i + a],
                        &nt[j..j + b],
                        ratio,
                        prior,
                    );
                let k = (i + a) * width + j + b;
                if c < cost[k] {
                    cost[k] = c;
                    back[k] = (a, b);
                }
            }
        }
    }
    let mut groups = Vec::new();
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        let (a, b) = back[i * width + j];
        groups.push(Aligned {
            original: i - a..i,
            translation: j - b..j,
        });
        i -= a;
        j -= b;
    }
    groups.reverse();
    groups
}

/// Pairs paragraph k with paragraph k; the longer side's rest stands alone.
fn by_index(n: usize, m: usize) -> Vec<Aligned> {
    (0..n.max(m))
        .map(|k| Aligned {
            original: k.min(n)..(k + 1).min(n),
            translation: k.min(m)..(k + 1).min(m),
        })
        .collect()
}

/// A paragraph's length: its characters other than white space.
fn length(p: &str) -> f64 {
    p.chars().filter(|c| !c.is_whitespace()).count() as f64
}

/// The numbers a paragraph holds (runs of digits), which translations keep as they are.
fn numbers(p: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in p.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    out
}

fn group_cost(
    lo: &[f64],
    lt: &[f64],
    no: &[Vec<String>],
    nt: &[Vec<String>],
    ratio: f64,
    prior: f64,
) -> f64 {
    let mut c = -prior.ln();
    if lo.is_empty() || lt.is_empty() {
        return c;
    }
    let (a, b) = (lo.iter().sum::<f64>(), lt.iter().sum::<f64>());
    let mean = ((a + b / ratio) / 2.0).max(1.0);
    let z = (ratio * a - b) / (VARIANCE * mean).sqrt();
    let p = (2.0 * (1.0 - normal_cdf(z.abs()))).max(1e-12);
    c -= p.ln();
    // Numbers both sides hold are evidence of a match; a number only one side holds, a little
    // against it.
    let left: Vec<&String> = no.iter().flatten().collect();
    let right: Vec<&String> = nt.iter().flatten().collect();
    let shared = left.iter().filter(|x| right.contains(x)).count();
    c -= 1.5 * shared.min(3) as f64;
    c
}

/// The standard normal distribution function (Abramowitz and Stegun 7.1.26, error < 1.5e-7).
fn normal_cdf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs() / std::f64::consts::SQRT_2);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-(x * x) / 2.0).exp();
    if x >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(groups: &[Aligned]) -> Vec<(Range<usize>, Range<usize>)> {
        groups
            .iter()
            .map(|g| (g.original.clone(), g.translation.clone()))
            .collect()
    }

    #[test]
    fn equal_paragraphs_pair_one_to_one() {
        let a = ["One two three.", "Four five six seven.", "Eight."];
        let b = ["Раз два три.", "Четыре пять шесть семь.", "Восемь."];
        assert_eq!(
            pairs(&align(&a, &b)),
            [(0..1, 0..1), (1..2, 1..2), (2..3, 2..3)]
        );
    }

    #[test]
    fn two_short_paragraphs_join_against_one() {
        let a = [
            "Англичане просят Советское правительство высказать свое мнение.",
            "Мы считаем такое требование наглым и неприемлемым.",
            "Мы думаем ответить, что корейский вопрос слишком усложнился после вооруженной иностранной интервенции.",
        ];
        let b = [
            "The British are asking the Soviet government to state its opinion. We consider such a demand brazen and unacceptable.",
            "We are thinking of reply that the Korean issue became too complicated after the armed foreign intervention.",
        ];
        assert_eq!(pairs(&align(&a, &b)), [(0..2, 0..1), (2..3, 1..2)]);
    }

    #[test]
    fn every_paragraph_is_placed_once_in_order() {
        let a = ["a", "bb bb", "ccc ccc ccc", "d", "eeeeeeeeee eeeeeeee"];
        let b = ["x x x", "yyyyyyyyyyyyyyy", "z"];
        let g = align(&a, &b);
        let (mut i, mut j) = (0, 0);
        for x in &g {
            assert_eq!((x.original.start, x.translation.start), (i, j));
            assert!(!x.original.is_empty() || !x.translation.is_empty());
            i = x.original.end;
            j = x.translation.end;
        }
        assert_eq!((i, j), (5, 3));
        assert_eq!(pairs(&align(&a, &[])), pairs(&by_index(5, 0)));
    }

    #[test]
    fn normal_cdf_is_right() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.96) - 0.975).abs() < 1e-3);
        assert!((normal_cdf(-1.0) - 0.158_655).abs() < 1e-5);
    }
}
