//! TLS in the server itself (OpenSSL, the one crypto backend the project links): the clinic's
//! certificate and key from the settings, or — for the demo and a first start — a self-signed
//! certificate made once in the data folder. Its SHA-256 fingerprint is logged at start, so an
//! administrator can compare it with the one a desk shows.

use std::path::{Path, PathBuf};

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::x509::extension::{BasicConstraints, SubjectAlternativeName};
use openssl::x509::{X509Builder, X509NameBuilder, X509};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("The TLS certificate {path} cannot be read: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("The TLS certificate or key is not usable: {0}")]
    Unusable(String),
    #[error("A self-signed TLS certificate cannot be made in {path}: {reason}")]
    CannotMake { path: String, reason: String },
}

/// Where the certificate and its private key are (PEM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub certificate: PathBuf,
    pub private_key: PathBuf,
}

/// The self-signed certificate in `dir` (`tls/certificate.pem`, `tls/private-key.pem`), made
/// now for `names` (host names and addresses the server is reached at) if it is not there.
pub fn self_signed(dir: &Path, names: &[String]) -> Result<TlsFiles, TlsError> {
    let folder = dir.join("tls");
    let files = TlsFiles {
        certificate: folder.join("certificate.pem"),
        private_key: folder.join("private-key.pem"),
    };
    if files.certificate.exists() && files.private_key.exists() {
        return Ok(files);
    }
    let cannot = |reason: String| TlsError::CannotMake {
        path: folder.display().to_string(),
        reason,
    };
    let (certificate, key) = make_self_signed(names).map_err(|e| cannot(e.to_string()))?;
    std::fs::create_dir_all(&folder).map_err(|e| cannot(e.to_string()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let write = |path: &Path, bytes: &[u8], options: &std::fs::OpenOptions| {
        let mut file = options.open(path)?;
        std::io::Write::write_all(&mut file, bytes)?;
        file.sync_all()
    };
    write(&files.private_key, &key, &options).map_err(|e| cannot(e.to_string()))?;
    write(&files.certificate, &certificate, &options).map_err(|e| cannot(e.to_string()))?;
    Ok(files)
}

/// A P-256 key and a certificate for `names`, valid for ten years (PEM each): desks pin it, so
/// it must outlive the machine rather than expire under them.
fn make_self_signed(names: &[String]) -> Result<(Vec<u8>, Vec<u8>), openssl::error::ErrorStack> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COMMONNAME, "Clinic Desk sync server")?;
    let name = name.build();
    let mut builder = X509Builder::new()?;
    builder.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    builder.set_serial_number(&serial)?;
    builder.set_subject_name(&name)?;
    builder.set_issuer_name(&name)?;
    builder.set_pubkey(&key)?;
    let (from, until) = (Asn1Time::days_from_now(0)?, Asn1Time::days_from_now(3650)?);
    builder.set_not_before(&from)?;
    builder.set_not_after(&until)?;
    // Its own authority: a desk trusts exactly this certificate (pinned), nothing it signs.
    builder.append_extension(BasicConstraints::new().critical().ca().pathlen(0).build()?)?;
    let mut alternative = SubjectAlternativeName::new();
    for n in names {
        if n.parse::<std::net::IpAddr>().is_ok() {
            alternative.ip(n);
        } else {
            alternative.dns(n);
        }
    }
    builder.append_extension(alternative.build(&builder.x509v3_context(None, None))?)?;
    builder.sign(&key, MessageDigest::sha256())?;
    Ok((builder.build().to_pem()?, key.private_key_to_pem_pkcs8()?))
}

/// The certificate's SHA-256 fingerprint, as `AB:CD:…` (what a desk shows when it pins it).
pub fn fingerprint(certificate_pem: &[u8]) -> Result<String, TlsError> {
    let certificate =
        X509::from_pem(certificate_pem).map_err(|e| TlsError::Unusable(e.to_string()))?;
    let digest = certificate
        .digest(MessageDigest::sha256())
        .map_err(|e| TlsError::Unusable(e.to_string()))?;
    Ok(digest
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":"))
}

/// The acceptor's configuration for `files`, and the certificate's fingerprint.
pub fn config(
    files: &TlsFiles,
) -> Result<(axum_server::tls_openssl::OpenSSLConfig, String), TlsError> {
    let pem = std::fs::read(&files.certificate).map_err(|e| TlsError::Unreadable {
        path: files.certificate.display().to_string(),
        reason: e.to_string(),
    })?;
    let fingerprint = fingerprint(&pem)?;
    let config = axum_server::tls_openssl::OpenSSLConfig::from_pem_file(
        &files.certificate,
        &files.private_key,
    )
    .map_err(|e| TlsError::Unusable(e.to_string()))?;
    Ok((config, fingerprint))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_certificate_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let names = ["localhost".to_owned(), "127.0.0.1".to_owned()];
        let files = self_signed(dir.path(), &names).unwrap();
        let first = std::fs::read(&files.certificate).unwrap();
        let again = self_signed(dir.path(), &names).unwrap();
        assert_eq!(std::fs::read(&again.certificate).unwrap(), first, "kept");
        let print = fingerprint(&first).unwrap();
        assert_eq!(print.len(), 32 * 3 - 1, "{print}");
        let certificate = X509::from_pem(&first).unwrap();
        let alternative: Vec<String> = certificate
            .subject_alt_names()
            .unwrap()
            .iter()
            .map(|n| {
                n.dnsname().map(str::to_owned).unwrap_or_else(|| {
                    n.ipaddress()
                        .map(|ip| format!("{ip:?}"))
                        .unwrap_or_default()
                })
            })
            .collect();
        assert_eq!(alternative[0], "localhost");
        assert_eq!(alternative[1], "[127, 0, 0, 1]");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&files.private_key)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "the key is the owner's alone");
        }
        assert!(config(&files).is_ok());
    }
}
