//! The parser against the specification's examples, hand-made malformed headers, and
//! properties: every valid header round-trips through the encoder, every split of it
//! into reads parses the same, and no input makes the parser panic.

use std::net::SocketAddr;

use proptest::prelude::*;

use super::*;

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn complete(input: &[u8]) -> (Header, usize) {
    match parse(input, DEFAULT_MAX_HEADER) {
        Ok(Parsed::Complete(h, n)) => (h, n),
        other => panic!("{other:?} for {input:?}"),
    }
}

#[test]
fn v1_examples_of_the_specification() {
    let (h, n) = complete(b"PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n");
    assert_eq!(n, 56);
    assert_eq!(h.version, Version::V1);
    assert_eq!(h.source(), Some(sa("255.255.255.255:65535")));
    let worst = b"PROXY TCP6 ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n";
    assert!(parse(worst, DEFAULT_MAX_HEADER).is_err(), "not an address");
    let (h, _) = complete(
        b"PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n",
    );
    assert_eq!(h.source().unwrap().port(), 65535);
    let (h, n) = complete(b"PROXY UNKNOWN\r\n");
    assert_eq!((h.command, h.addresses, n), (Command::Local, Addresses::Unknown, 15));
    let (h, _) = complete(b"PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n");
    assert_eq!(h.addresses, Addresses::Unknown, "what follows UNKNOWN is ignored");
    let (h, n) = complete(b"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r\n");
    assert_eq!(n, 47);
    assert_eq!(
        h.addresses,
        Addresses::Ip { source: sa("192.168.0.1:56324"), destination: sa("192.168.0.11:443") }
    );
}

#[test]
fn v1_malformed_headers_are_errors() {
    for bad in [
        &b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"[..],  // LF alone
        b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX",      // CR without LF
        b"PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n",    // two spaces
        b"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",       // a port missing
        b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",   // an extra field
        b"PROXY TCP4 ::1 ::1 1 2\r\n",             // family mismatch
        b"PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n",     // family mismatch
        b"PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", // port out of range
        b"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",    // leading zero
        b"PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n",    // sign
        b"PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n",    // octal-looking octet
        b"PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n",     // not a protocol of v1
        b"PROXY \r\n",
        b"proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n", // case matters
        b"GET / HTTP/1.1\r\n",                 // no header at all
    ] {
        assert!(parse(bad, DEFAULT_MAX_HEADER).is_err(), "{:?}", String::from_utf8_lossy(bad));
    }
    let long = [b"PROXY UNKNOWN ".as_slice(), &[b'x'; 100], b"\r\n"].concat();
    assert_eq!(parse(&long, DEFAULT_MAX_HEADER), Err(HeaderError::V1TooLong));
    assert_eq!(parse(&long[..V1_MAX], DEFAULT_MAX_HEADER), Err(HeaderError::V1TooLong), "known at 107 bytes");
    assert_eq!(parse(&long[..V1_MAX - 1], DEFAULT_MAX_HEADER), Ok(Parsed::Incomplete));
}

#[test]
fn a_v1_header_of_exactly_107_bytes_is_accepted() {
    let mut line = b"PROXY UNKNOWN ".to_vec();
    line.resize(V1_MAX - 2, b'x');
    line.extend_from_slice(b"\r\n");
    assert_eq!(line.len(), V1_MAX);
    assert_eq!(complete(&line).1, V1_MAX);
    // One byte more, and the CRLF comes too late.
    line.insert(20, b'x');
    assert_eq!(parse(&line, DEFAULT_MAX_HEADER), Err(HeaderError::V1TooLong));
}

/// The v2 header of the specification's example: PROXY, TCP over IPv4.
fn v2_tcp4() -> Vec<u8> {
    let mut v = V2_SIGNATURE.to_vec();
    v.extend_from_slice(&[0x21, 0x11, 0x00, 0x0c]);
    v.extend_from_slice(&[192, 168, 0, 1, 192, 168, 0, 11]);
    v.extend_from_slice(&56324u16.to_be_bytes());
    v.extend_from_slice(&443u16.to_be_bytes());
    v
}

#[test]
fn v2_ipv4_ipv6_unix_and_local() {
    let (h, n) = complete(&v2_tcp4());
    assert_eq!(n, 28);
    assert_eq!((h.version, h.command, h.transport), (Version::V2, Command::Proxy, Transport::Stream));
    assert_eq!(h.source(), Some(sa("192.168.0.1:56324")));
    let six = Header::proxy(Version::V2, sa("[2001:db8::1]:1000"), sa("[2001:db8::2]:443"));
    let mut wire = Vec::new();
    six.write(&mut wire).unwrap();
    assert_eq!(wire.len(), 16 + 36);
    assert_eq!(complete(&wire).0, six);
    let unix = Header {
        addresses: Addresses::Unix {
            source: b"/tmp/client".to_vec(),
            destination: b"/run/app.sock".to_vec(),
        },
        ..Header::proxy(Version::V2, sa("1.1.1.1:1"), sa("2.2.2.2:2"))
    };
    wire.clear();
    unix.write(&mut wire).unwrap();
    assert_eq!(wire.len(), 16 + 216);
    assert_eq!(complete(&wire).0, unix);
    // LOCAL: a health check. Addresses it carries are ignored.
    let mut local = v2_tcp4();
    local[12] = 0x20;
    let (h, _) = complete(&local);
    assert_eq!((h.command, h.addresses), (Command::Local, Addresses::Unknown));
}

#[test]
fn v2_malformed_headers_are_errors() {
    let mut v = v2_tcp4();
    v[12] = 0x11;
    assert_eq!(parse(&v, DEFAULT_MAX_HEADER), Err(HeaderError::V2Version(1)));
    v[12] = 0x22;
    assert_eq!(parse(&v, DEFAULT_MAX_HEADER), Err(HeaderError::V2Command(2)));
    v[12] = 0x21;
    v[13] = 0x41;
    assert_eq!(parse(&v, DEFAULT_MAX_HEADER), Err(HeaderError::V2Family(0x41)));
    v[13] = 0x13;
    assert_eq!(parse(&v, DEFAULT_MAX_HEADER), Err(HeaderError::V2Family(0x13)));
    v[13] = 0x21; // IPv6 needs 36 bytes, the length says 12
    assert_eq!(parse(&v, DEFAULT_MAX_HEADER), Err(HeaderError::V2Length { length: 12, needed: 36 }));
    // A TLV that runs past the end.
    let mut v = v2_tcp4();
    v.extend_from_slice(&[0x01, 0x00, 0x09, b'h']);
    v[15] += 4;
    assert_eq!(parse(&v, DEFAULT_MAX_HEADER), Err(HeaderError::Tlv(0x01)));
    // A TLV header cut short.
    let mut v = v2_tcp4();
    v.extend_from_slice(&[0x01, 0x00]);
    v[15] += 2;
    assert_eq!(parse(&v, DEFAULT_MAX_HEADER), Err(HeaderError::Tlv(0x01)));
}

#[test]
fn the_size_limit_is_checked_from_the_fixed_part_before_anything_is_kept() {
    let mut v = V2_SIGNATURE.to_vec();
    v.extend_from_slice(&[0x21, 0x11, 0xff, 0xff]); // claims 65,535 bytes
    assert_eq!(parse(&v, DEFAULT_MAX_HEADER), Err(HeaderError::TooLarge { length: 16 + 65535, max: 4096 }));
    // Within the limit, the same claim only waits for its bytes.
    assert_eq!(parse(&v, 70_000), Ok(Parsed::Incomplete));
    // v1 against a limit below 107 bytes.
    assert!(matches!(
        parse(b"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n", 20),
        Err(HeaderError::TooLarge { max: 20, .. })
    ));
}

#[test]
fn tlvs_crc32c_and_ssl_round_trip_and_a_bad_checksum_is_caught() {
    let mut h = Header::proxy(Version::V2, sa("10.0.0.1:5000"), sa("10.0.0.2:443"));
    h.tlvs = vec![
        Tlv::Alpn(b"h2".to_vec()),
        Tlv::Authority("example.com".into()),
        Tlv::UniqueId(vec![7; 128]),
        Tlv::Ssl(Ssl {
            client: 0x07,
            verify: 0,
            version: Some("TLSv1.3".into()),
            common_name: Some("client-1".into()),
            cipher: Some("TLS_AES_128_GCM_SHA256".into()),
            signature_algorithm: Some("SHA256".into()),
            key_algorithm: Some("RSA2048".into()),
            other: vec![(0x2a, b"x".to_vec())],
        }),
        Tlv::NetNs(b"blue".to_vec()),
        Tlv::Noop(3),
        Tlv::Other { kind: 0xe0, value: b"app".to_vec() },
        Tlv::Crc32c(0),
    ];
    let mut wire = Vec::new();
    h.write(&mut wire).unwrap();
    let (got, n) = complete(&wire);
    assert_eq!(n, wire.len());
    let Some(Tlv::Crc32c(crc)) = got.tlv(tlv_kind::CRC32C).cloned() else { panic!("a checksum") };
    assert_ne!(crc, 0, "the encoder computed it");
    let mut expect = h.clone();
    *expect.tlvs.last_mut().unwrap() = Tlv::Crc32c(crc);
    assert_eq!(got, expect);
    assert_eq!(got.tlv(tlv_kind::AUTHORITY), Some(&Tlv::Authority("example.com".into())));
    // One bit flipped anywhere in the header breaks the checksum (or the header).
    for i in [17, 30, wire.len() - 1] {
        let mut bad = wire.clone();
        bad[i] ^= 0x01;
        assert!(parse(&bad, DEFAULT_MAX_HEADER).is_err(), "byte {i} flipped");
    }
    let mut bad = wire.clone();
    bad[20] ^= 0x01; // inside the source address: still a well-formed header
    assert!(matches!(parse(&bad, DEFAULT_MAX_HEADER), Err(HeaderError::Checksum { .. })));
}

#[test]
fn tlv_rules_are_enforced() {
    let with = |kind: u8, value: &[u8]| {
        let mut v = v2_tcp4();
        v.push(kind);
        v.extend_from_slice(&(value.len() as u16).to_be_bytes());
        v.extend_from_slice(value);
        let len = (v.len() - 16) as u16;
        v[14..16].copy_from_slice(&len.to_be_bytes());
        parse(&v, DEFAULT_MAX_HEADER)
    };
    assert_eq!(with(tlv_kind::CRC32C, &[1, 2, 3]), Err(HeaderError::Tlv(tlv_kind::CRC32C)));
    assert_eq!(with(tlv_kind::UNIQUE_ID, &[0; 129]), Err(HeaderError::Tlv(tlv_kind::UNIQUE_ID)));
    assert_eq!(with(tlv_kind::AUTHORITY, &[0xff, 0xfe]), Err(HeaderError::Tlv(tlv_kind::AUTHORITY)));
    assert_eq!(with(tlv_kind::SSL, &[1, 0, 0]), Err(HeaderError::Tlv(tlv_kind::SSL)));
    assert_eq!(with(tlv_kind::SSL, &[1, 0, 0, 0, 0, 0x21, 0, 9]), Err(HeaderError::Tlv(tlv_kind::SSL)));
    assert!(with(tlv_kind::SSL, &[1, 0, 0, 0, 0]).is_ok(), "an SSL extension with no sub-extensions");
}

#[test]
fn the_encoder_refuses_what_its_version_cannot_say() {
    let mixed = Header::proxy(Version::V1, sa("1.2.3.4:1"), sa("[::1]:2"));
    assert!(mixed.write(&mut Vec::new()).is_err());
    assert!(Header { version: Version::V2, ..mixed }.write(&mut Vec::new()).is_err());
    let mut v1 = Header::proxy(Version::V1, sa("1.2.3.4:1"), sa("5.6.7.8:2"));
    v1.tlvs.push(Tlv::Noop(1));
    assert!(v1.write(&mut Vec::new()).is_err(), "v1 has no extensions");
    let mut out = Vec::new();
    Header::local(Version::V1).write(&mut out).unwrap();
    assert_eq!(out, b"PROXY UNKNOWN\r\n");
    out.clear();
    Header::local(Version::V2).write(&mut out).unwrap();
    assert_eq!(out.len(), 16);
    assert_eq!(complete(&out).0, Header::local(Version::V2));
}

fn any_ip_pair() -> impl Strategy<Value = (SocketAddr, SocketAddr)> {
    prop_oneof![
        (any::<[u8; 4]>(), any::<u16>(), any::<[u8; 4]>(), any::<u16>())
            .prop_map(|(a, p, b, q)| (SocketAddr::from((a, p)), SocketAddr::from((b, q)))),
        (any::<[u8; 16]>(), any::<u16>(), any::<[u8; 16]>(), any::<u16>())
            .prop_map(|(a, p, b, q)| (SocketAddr::from((a, p)), SocketAddr::from((b, q)))),
    ]
}

fn any_tlv() -> impl Strategy<Value = Tlv> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..20).prop_map(Tlv::Alpn),
        "[a-z.]{0,30}".prop_map(Tlv::Authority),
        (0usize..10).prop_map(Tlv::Noop),
        proptest::collection::vec(any::<u8>(), 0..=128).prop_map(Tlv::UniqueId),
        proptest::collection::vec(any::<u8>(), 0..10).prop_map(Tlv::NetNs),
        ((0xe0u8..=0xef), proptest::collection::vec(any::<u8>(), 0..30))
            .prop_map(|(kind, value)| Tlv::Other { kind, value }),
        (any::<u8>(), any::<u32>(), proptest::option::of("[A-Za-z0-9_.-]{0,20}")).prop_map(
            |(client, verify, cn)| Tlv::Ssl(Ssl { client, verify, common_name: cn, ..Ssl::default() })
        ),
    ]
}

fn any_header() -> impl Strategy<Value = Header> {
    (any::<bool>(), any::<bool>(), any_ip_pair(), proptest::collection::vec(any_tlv(), 0..6), any::<bool>())
        .prop_map(|(v2, local, (s, d), mut tlvs, crc)| {
            if !v2 {
                return if local { Header::local(Version::V1) } else { Header::proxy(Version::V1, s, d) };
            }
            let mut h = if local { Header::local(Version::V2) } else { Header::proxy(Version::V2, s, d) };
            if crc {
                tlvs.push(Tlv::Crc32c(0));
            }
            h.tlvs = tlvs;
            h
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn valid_headers_round_trip_and_parse_the_same_in_any_split(h in any_header(), cuts in proptest::collection::vec(any::<usize>(), 0..8), tail in proptest::collection::vec(any::<u8>(), 0..16)) {
        let mut wire = Vec::new();
        h.write(&mut wire).unwrap();
        let len = wire.len();
        wire.extend_from_slice(&tail);
        let (got, used) = match parse(&wire, 70_000) {
            Ok(Parsed::Complete(got, used)) => (got, used),
            other => panic!("{other:?}"),
        };
        prop_assert_eq!(used, len);
        let mut expect = h.clone();
        if let (Some(Tlv::Crc32c(c)), Some(Tlv::Crc32c(e))) = (got.tlvs.last(), expect.tlvs.last_mut()) {
            *e = *c;
        }
        prop_assert_eq!(&got, &expect);
        // The bytes arriving in pieces: every prefix short of the header is
        // Incomplete, and the first that holds it gives the same header.
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (len + 1)).collect();
        points.sort_unstable();
        for p in points {
            match parse(&wire[..p], 70_000) {
                Ok(Parsed::Incomplete) => prop_assert!(p < len),
                Ok(Parsed::Complete(again, n)) => { prop_assert!(p >= len); prop_assert_eq!(n, len); prop_assert_eq!(&again, &got); }
                Err(e) => panic!("prefix of {p} bytes: {e}"),
            }
        }
    }

    #[test]
    fn no_input_makes_the_parser_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), max in 0usize..5000) {
        let _ = parse(&bytes, max);
        // Also behind a valid start, where the parser goes deepest.
        let mut v2 = V2_SIGNATURE.to_vec();
        v2.extend_from_slice(&bytes);
        let _ = parse(&v2, max);
        let mut v1 = b"PROXY ".to_vec();
        v1.extend_from_slice(&bytes);
        let _ = parse(&v1, max);
    }
}
