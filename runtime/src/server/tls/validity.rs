//! The validity period of an X.509 certificate, read straight from its DER bytes.
//!
//! rustls never checks the server's own certificate, so an expired one would only show up as
//! browser warnings. Reading two dates needs no X.509 library: the walk below skips the
//! version, serial number, signature algorithm and issuer of the `TBSCertificate` and reads
//! its `Validity` (RFC 5280, section 4.1.2.5).

use std::time::{Duration, SystemTime};

/// `notBefore` and `notAfter` of a DER-encoded certificate.
pub(crate) fn validity(der: &[u8]) -> Result<(SystemTime, SystemTime), &'static str> {
    let (tag, certificate, _) = tlv(der)?;
    if tag != 0x30 {
        return Err("not a DER certificate (no outer SEQUENCE)");
    }
    let (tag, tbs, _) = tlv(certificate)?;
    if tag != 0x30 {
        return Err("not a DER certificate (no TBSCertificate)");
    }
    let mut rest = tbs;
    let (tag, _, after) = tlv(rest)?;
    if tag == 0xa0 {
        // [0] EXPLICIT version
        rest = after;
    }
    // serialNumber, signature, issuer
    for expected in [0x02, 0x30, 0x30] {
        let (tag, _, after) = tlv(rest)?;
        if tag != expected {
            return Err("unexpected field before the validity period");
        }
        rest = after;
    }
    let (tag, validity, _) = tlv(rest)?;
    if tag != 0x30 {
        return Err("no validity period");
    }
    let (tag, not_before, rest) = tlv(validity)?;
    let not_before = time(tag, not_before)?;
    let (tag, not_after, _) = tlv(rest)?;
    let not_after = time(tag, not_after)?;
    Ok((not_before, not_after))
}

/// One DER element: its tag, its content and what follows it.
fn tlv(input: &[u8]) -> Result<(u8, &[u8], &[u8]), &'static str> {
    const TRUNCATED: &str = "truncated DER";
    let (&tag, rest) = input.split_first().ok_or(TRUNCATED)?;
    let (&first, mut rest) = rest.split_first().ok_or(TRUNCATED)?;
    let length = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return Err("invalid DER length");
        }
        let (bytes, after) = rest.split_at(count);
        rest = after;
        bytes
            .iter()
            .fold(0usize, |length, &byte| (length << 8) | usize::from(byte))
    };
    if rest.len() < length {
        return Err(TRUNCATED);
    }
    let (content, rest) = rest.split_at(length);
    Ok((tag, content, rest))
}

/// A `UTCTime` (`YYMMDDHHMMSSZ`, years 1950 to 2049) or `GeneralizedTime`
/// (`YYYYMMDDHHMMSSZ`), the two forms RFC 5280 allows.
fn time(tag: u8, text: &[u8]) -> Result<SystemTime, &'static str> {
    const INVALID: &str = "invalid certificate time";
    let (year, rest) = match (tag, text.len()) {
        (0x17, 13) => {
            let yy = digits(&text[..2]).ok_or(INVALID)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &text[2..])
        }
        (0x18, 15) => (digits(&text[..4]).ok_or(INVALID)?, &text[4..]),
        _ => return Err(INVALID),
    };
    if rest[10] != b'Z' {
        return Err(INVALID);
    }
    let field = |at: usize| digits(&rest[at..at + 2]).ok_or(INVALID);
    let (month, day, hour, minute, second) =
        (field(0)?, field(2)?, field(4)?, field(6)?, field(8)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(INVALID);
    }
    let days = days_from_civil(i64::from(year), month, day);
    let seconds = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    let offset = Duration::from_secs(seconds.unsigned_abs());
    Ok(if seconds >= 0 {
        SystemTime::UNIX_EPOCH + offset
    } else {
        SystemTime::UNIX_EPOCH - offset
    })
}

fn digits(text: &[u8]) -> Option<u32> {
    text.iter().try_fold(0u32, |value, &byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + u32::from(byte - b'0'))
    })
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn both_time_forms_are_read() {
        assert_eq!(time(0x17, b"700101000000Z"), Ok(at(0)));
        assert_eq!(time(0x17, b"491231235959Z"), Ok(at(2_524_607_999)));
        assert_eq!(time(0x18, b"20240229120000Z"), Ok(at(1_709_208_000)));
        assert!(time(0x17, b"7001010000Z").is_err());
        assert!(time(0x18, b"2024022912000+Z").is_err());
        assert!(time(0x17, b"701301000000Z").is_err());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for input in [
            &b""[..],
            &[0x30],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x30, 0x02, 0x30, 0x00],
            &[0x30, 0x03, 0x30, 0x01, 0x02],
            &[0x04, 0x00],
        ] {
            assert!(validity(input).is_err(), "{input:?}");
        }
    }
}
