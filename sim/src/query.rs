//! Query strings as the site writes them: components percent-encoded the
//! way every link is, and the first form of a topic's link, on which the
//! isolation lab measures its link limit.

/// Encodes a query component: letters, digits, `-_.~` and the `,`, `:` and
/// `!` that lists such as `healthy:20,down:30` or `a,b!,30s` use stay (a
/// query may hold them as they are), the rest is percent-encoded.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b',' | b':' | b'!')
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The link of the first scheme (`?topic=slug&k=v`), the length the
/// isolation lab's link limit is measured on.
pub fn topic_query<K: AsRef<str>, V: AsRef<str>>(slug: &str, params: &[(K, V)]) -> String {
    let mut q = format!("?topic={}", encode_component(slug));
    for (k, v) in params {
        q.push('&');
        q.push_str(&encode_component(k.as_ref()));
        q.push('=');
        q.push_str(&encode_component(v.as_ref()));
    }
    q
}
