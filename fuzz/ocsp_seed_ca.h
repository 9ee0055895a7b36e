/* The seed CA of corpus/ocsp, made by ocsp-seeds.sh: its issuing
 * certificate and the serials of its good, revoked and frozen
 * certificates and of its OCSP signer.  fuzz_ocsp replaces their
 * hashes and serials in an input with those of the CA it makes. */
static const char seed_issuer_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBzjCCAXOgAwIBAgIQQGsE5ZZqCCla6LqzuDokWzAKBggqhkjOPQQDAjAzMQsw\n"
	"CQYDVQQGEwJDTjENMAsGA1UECgwEZnV6ejEVMBMGA1UEAwwMZnV6eiBSb290IENB\n"
	"MB4XDTI2MTEyNDAxMTcxMFoXDTM2MTEyMzAxMTcxMFowNjELMAkGA1UEBhMCQ04x\n"
	"DTALBgNVBAoMBGZ1enoxGDAWBgNVBAMMD2Z1enogSXNzdWluZyBDQTBZMBMGByqG\n"
	"SM49AgEGCCqGSM49AwEHA0IABNqN6EzzVkSOKmYGdWl4oTOI2bVioi/wJabS5EC9\n"
	"P4Tv9bQzm+xkZpfCmy6FuTE8a6Z3lXZGRM0CVtnukyRCbp2jZjBkMBIGA1UdEwEB\n"
	"/wQIMAYBAf8CAQAwDgYDVR0PAQH/BAQDAgEGMB0GA1UdDgQWBBSs2aeTdrC5wjB3\n"
	"DDkkUKytahGfBjAfBgNVHSMEGDAWgBR64sKAtkiX+OmofeE1dBix63qyLTAKBggq\n"
	"hkjOPQQDAgNJADBGAiEA7HkUFRM+BXDoN6f42yGESCGBjBXF5s+JoOnvIXnqdc4C\n"
	"IQDoSjCVEVgBo6Jm7k/TJFEcWAqZdgHPHJ5kHxwRm4q5DA==\n"
	"-----END CERTIFICATE-----\n"
	;
static const char *const seed_serial[4] = {
	"406B04E596AA6653E8158D880FBC92CE", "406B04E59651C4BAC28584B7007627B7",
	"406B04E596E755B1250780D71C51A322", "406B04E596B199EE72C23EDD416C4A95",
};
