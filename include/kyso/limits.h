/*
 * limits.h - every hard ceiling an input can push against, named once.
 */
#ifndef KYSO_LIMITS_H
#define KYSO_LIMITS_H

/* Configuration files: longer lines are an error, not truncated. */
#define KYSO_MAX_CONFIG_LINE      4096
/* Entries in one signing or certificate table. */
#define KYSO_MAX_TABLE_ENTRIES    100000
/* Header fields one message may carry into the milter. */
#define KYSO_MAX_HEADERS          1000
/* Bytes of all header fields of one message together. */
#define KYSO_MAX_HEADER_BYTES     (1024 * 1024)
/* Default size above which a message is spooled to disk, not memory. */
#define KYSO_DEFAULT_SPOOL_MEMORY (1024 * 1024)
/* A message verified from a spool file is mapped, not read into memory;
 * a scan over it keeps about this many bytes resident each side of where
 * it reads (smime/rawmime.c) and drops the pages further away. */
#define KYSO_MAP_WINDOW           (256 * 1024)
/* Default largest message we will sign or verify (bigger: policy action). */
#define KYSO_DEFAULT_MAX_MESSAGE  (64 * 1024 * 1024)
/* MIME nesting depth we walk before calling the message malformed. */
#define KYSO_MAX_MIME_DEPTH       32
/* Signers in one SignedData we evaluate. */
#define KYSO_MAX_SIGNERS          16
/* Nested indefinite-length BER elements we follow in a CMS structure. */
#define KYSO_MAX_BER_DEPTH        64
/* Length of a mail address we accept from headers or the envelope. */
#define KYSO_MAX_ADDRESS          320
/* Length of a certificate id in the CertificateTable (and the journal). */
#define KYSO_MAX_CERT_ID          64
/* Longest quoted value in an Authentication-Results field (its lines
 * stay under 998 octets). */
#define KYSO_MAX_AR_VALUE         900
/* Characters of a certificate name shown in the verdict header. */
#define KYSO_MAX_SHOWN_NAME       200
/* Characters of verdict text encoded into X-Kyso-Verdict. */
#define KYSO_MAX_VERDICT_TEXT     2000
/* Seconds a failed CRL/OCSP fetch of one URL is remembered (no retry). */
#define KYSO_REV_NEGATIVE_TTL     60
/* Default seconds of revocation network look-ups one message may spend. */
#define KYSO_REV_DEFAULT_BUDGET   10
/* The facts of a processed message (struct kyso_outcome_facts) that the
 * journal records, in raw bytes: a certificate serial in hex, an issuer
 * name (RFC 4514, UTF-8), a reason, the SMTP AUTH login, the client's
 * address and the MTA's queue id. */
#define KYSO_MAX_SERIAL_TEXT      128
#define KYSO_MAX_ISSUER_TEXT      1024
#define KYSO_MAX_SUBJECT_TEXT     1024
#define KYSO_MAX_REASON_TEXT      1024
#define KYSO_MAX_LOGIN            256
#define KYSO_MAX_CLIENT_ADDR      64
#define KYSO_MAX_QUEUE_ID         64
/* A server's name in the journal (JournalHost; RFC 1035: 253). */
#define KYSO_MAX_HOST_NAME        253
/* Journal records per INSERT of kyso-report --ship: PostgreSQL takes at
 * most 65535 parameters a statement, 16 per record. */
#define KYSO_MAX_SHIP_BATCH       4000
/* Kinds of a message's signers as the journal lists them
 * ("personal,agency"), cut beyond this. */
#define KYSO_MAX_KINDS_TEXT       96

/* Revocation: the largest CRL fetched and OCSP response accepted (bytes),
 * entries of the in-memory cache, the clock skew allowed on OCSP
 * thisUpdate/nextUpdate and how long an OCSP answer without nextUpdate is
 * cached (seconds). */
#define KYSO_MAX_CRL_BYTES         (10 * 1024 * 1024)
#define KYSO_MAX_OCSP_BYTES        (256 * 1024)
#define KYSO_MAX_REV_CACHE         4096
#define KYSO_OCSP_SKEW             300
#define KYSO_OCSP_DEFAULT_TTL      300
/* RevocationMaxAge default: an OCSP answer or CRL that names no next
 * update is current this long (seconds) after its thisUpdate; older, it
 * proves nothing (a replayed answer from before a revocation). */
#define KYSO_REV_DEFAULT_MAX_AGE   86400
/* Verification cache of a trust object (smime/vcache.c): entries (chain
 * verdicts, CRL signature checks, decoded certificates and their facts)
 * by default (VerifyCacheSize) and at most, and how long a refused chain
 * is remembered (seconds). */
#define KYSO_VCACHE_DEFAULT        512
#define KYSO_VCACHE_MAX            65536
#define KYSO_VCACHE_NEG_TTL        3600
/* Revocation endpoints: CRL distribution point URLs of one certificate
 * tried, and entries of RevocationURLMap. */
#define KYSO_MAX_CDP_URLS          8
#define KYSO_MAX_URL_MAP           1000
/* RFC 3161 timestamps: the largest reply accepted (bytes); how long after
 * the claimed signingTime a token may be and still prove it, and how far
 * ahead of our clock (seconds). */
#define KYSO_MAX_TSA_REPLY         (64 * 1024)
#define KYSO_TSA_MAX_DELAY         3600
#define KYSO_TSA_SKEW              300
/* Smallest RSA/DSA modulus a verified signature may use (else "weak"). */
#define KYSO_MIN_RSA_BITS          2048
/* Smallest EC key an agency signing certificate may have (P-256). */
#define KYSO_MIN_EC_BITS           256
/* Seconds between the daemon's certificate expiry and PIN age checks. */
#define KYSO_HEALTH_INTERVAL       (24 * 60 * 60)
/* Classified markings are looked for in this much of the first text part
 * (stamps sit at the top of a document). */
#define KYSO_CLASSIFIED_SCAN_BYTES 4096
#define KYSO_CLASSIFIED_SCAN_LINES 20
/* ... of an HTML text, before its markup is taken away (a <head> with
 * style sheets comes first) */
#define KYSO_CLASSIFIED_HTML_BYTES 32768

/* PKCS#11 tokens: the module when the table names none, bounds of what
 * is read from a token, how many times a signature opens a new session
 * and finds its key again after the token went away, and the pool and
 * queue sizes (TokenWaitLimit, TokenQueueLimit defaults in milliseconds
 * and waiting messages). */
#define KYSO_DEFAULT_PKCS11_MODULE "p11-kit-proxy.so"
#define KYSO_MAX_P11_ID            128
#define KYSO_MAX_P11_SLOTS         64
#define KYSO_MAX_P11_ATTR          2048
#define KYSO_TOKEN_RETRIES         2
/* a module is initialised again (to see a token that came back) at most
 * this often */
#define KYSO_TOKEN_REINIT_MS       1000
#define KYSO_MAX_POOL_KEYS         16
#define KYSO_DEFAULT_TOKEN_WAIT_MS 3000
#define KYSO_DEFAULT_TOKEN_QUEUE   8

/* Seconds a claimed signingTime may lie outside its certificate's
 * validity before the signature is not valid (policy/inbound.c): clocks
 * are off, and some Vietnamese tools write local time (UTC+7) as UTC. */
#define KYSO_SIGNING_TIME_SLACK (24 * 3600)

/* Hex digits of a SHA-256 certificate fingerprint (SealTable, KindTable). */
#define KYSO_FINGERPRINT_HEX 64

#endif
