// SHA-256 from OpenSSL's libcrypto (Debian: libssl-dev), for the ledger's bulk hashing.
// The low-level SHA256_Init/Update/Final keep the context on the caller's stack; OpenSSL 3
// marks them deprecated in favour of EVP, whose per-hash fetch is what they avoid.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
