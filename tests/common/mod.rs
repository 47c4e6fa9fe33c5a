//! Helpers shared by the URL property tests.

use backend_playground::sim::rng::Rng;

/// A random query string: mostly `topic=<topic>`, then up to nine pairs of
/// the given keys and values, now and then raw garbage bytes, and now and
/// then a value made long by repeating `long`.
pub fn random_query(
    rng: &mut Rng,
    topic: &str,
    keys: &[&str],
    values: &[&str],
    long: &str,
) -> String {
    let mut q = String::from("?");
    if rng.below(6) > 0 {
        q.push_str("topic=");
        q.push_str(topic);
    }
    for _ in 0..rng.below(10) {
        q.push('&');
        if rng.below(12) == 0 {
            for _ in 0..rng.below(12) {
                let b = rng.below(256) as u8;
                if b.is_ascii_graphic() && b != b'&' {
                    q.push(b as char);
                } else {
                    q.push_str(&format!("%{b:02X}"));
                }
            }
            continue;
        }
        q.push_str(keys[rng.below(keys.len() as u64) as usize]);
        q.push('=');
        q.push_str(values[rng.below(values.len() as u64) as usize]);
        if rng.below(20) == 0 {
            for _ in 0..rng.below(300) {
                q.push_str(long);
            }
        }
    }
    q
}
