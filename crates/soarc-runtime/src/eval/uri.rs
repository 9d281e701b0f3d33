//! URI parsing functions ([FN] §"URI parsing functions") and the percent-encoding that
//! `uriComponent`/`encodeUriComponent` and their inverses use.

use std::borrow::Cow;

use serde_json::Value;

use super::EvalError;
use super::call::{Args, R};

pub(crate) fn call<'a>(a: &mut Args<'_, 'a>) -> R<'a> {
    let text = a.str(0)?;
    let u = parse(text).ok_or_else(|| {
        a.err(format_args!(
            "expects an absolute URI such as 'https://host/path?query'; '{text}' is not one"
        ))
    })?;
    let v = match a.name {
        "uriHost" => Value::String(u.host.to_ascii_lowercase()),
        // [FN] §uriPath: "If `path` doesn't have a value, return the "/" character."
        "uriPath" => Value::String(u.path.to_string()),
        "uriPathAndQuery" => Value::String(format!("{}{}", u.path, u.query)),
        // [FN] §uriPort: "If `port` doesn't specify a value, return the default port for the
        // protocol."
        "uriPort" => match u.port {
            Some(p) => Value::from(p),
            None => match default_port(&u.scheme) {
                Some(p) => Value::from(p),
                None => Value::from(-1),
            },
        },
        // [FN] §uriQuery: `uriQuery('https://www.contoso.com/catalog/shownew.htm?date=today')`
        // is "?date=today" (with the '?').
        "uriQuery" => Value::String(u.query.to_string()),
        // Learn's §uriScheme example shows "http" for an https URI; .NET's Uri.Scheme (what
        // the runtime returns) is the URI's own scheme, lowercased.
        "uriScheme" => Value::String(u.scheme.to_ascii_lowercase()),
        other => unreachable!("{other} is not a URI function"),
    };
    Ok(Cow::Owned(v))
}

struct Uri<'s> {
    scheme: String,
    host: &'s str,
    port: Option<i64>,
    path: Cow<'s, str>,
    query: &'s str,
}

fn default_port(scheme: &str) -> Option<i64> {
    Some(match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        "ftp" => 21,
        "sftp" | "ssh" => 22,
        "ldap" => 389,
        "mailto" | "smtp" => 25,
        "news" | "nntp" => 119,
        "telnet" => 23,
        "gopher" => 70,
        "file" => return None,
        _ => return None,
    })
}

/// An absolute hierarchical URI `scheme://[userinfo@]host[:port][/path][?query][#fragment]`.
fn parse(s: &str) -> Option<Uri<'_>> {
    let s = s.trim();
    let (scheme, rest) = s.split_once("://")?;
    if scheme.is_empty()
        || !scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    let rest = rest.split('#').next().unwrap_or("");
    let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..auth_end];
    let after = &rest[auth_end..];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if host_port.starts_with('[') {
        let close = host_port.find(']')?;
        let port = host_port[close + 1..].strip_prefix(':');
        (&host_port[..=close], port)
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    let port = match port {
        Some("") | None => None,
        Some(p) => Some(p.parse::<u16>().ok()? as i64),
    };
    if host.is_empty() && scheme != "file" {
        return None;
    }
    let (path, query) = match after.find('?') {
        Some(q) => (&after[..q], &after[q..]),
        None => (after, ""),
    };
    let path = if path.is_empty() {
        Cow::Borrowed("/")
    } else {
        Cow::Borrowed(path)
    };
    Some(Uri {
        scheme: scheme.to_string(),
        host,
        port,
        path,
        query,
    })
}

/// Percent-encoding as .NET's `Uri.EscapeDataString`: every byte of the UTF-8 text except the
/// RFC 3986 unreserved characters `A-Z a-z 0-9 - _ . ~` becomes `%XX` (upper-case hex).
/// [FN] §uriComponent: `uriComponent('https://contoso.com')` is "https%3A%2F%2Fcontoso.com".
pub(crate) fn percent_encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
    out
}

/// Bytes of `%XX`-encoded text; a `%` not followed by two hex digits stays as it is (as
/// .NET's `Uri.UnescapeDataString` leaves it).
pub(crate) fn percent_decode_bytes(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Decoded text of `%XX`-encoded `s`; `None` if the bytes are not UTF-8.
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    String::from_utf8(percent_decode_bytes(s)).ok()
}

/// The error when decoded bytes are not text.
pub(crate) fn not_utf8(a: &Args) -> EvalError {
    a.err("decoded bytes that are not UTF-8 text")
}
