#pragma once
// Dataset digests for DEBUG DIGEST and DEBUG DIGEST-VALUE, built the way Redis builds its own
// (debug.c): a 20-byte digest per key, XOR-ed into the dataset digest so key order does not
// matter. Within a value, ordered elements (list entries, a key's parts) are "mixed" (the digest
// so far goes back into the hash, so order changes the result), unordered ones (set members,
// hash fields, sorted-set members with their scores) are XOR-ed, so two equal sets give equal
// digests whatever their internal order. Equal data sets therefore give equal digests, and a
// change to any key, value, element, score, type or expiry changes it.
//
// The hash is XXH3-128 plus 32 bits of XXH3-64 (Redis uses SHA-1, which Ferrite does not link in
// every build): digests are equal between Ferrite servers, not between Ferrite and Redis.
//
// Thread safety: pure functions.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/store.h"

namespace ferrite::commands {

using Digest = std::array<uint8_t, 20>;

// The digest of one value: its type, its content and whether it has an expiry (DIGEST-VALUE).
Digest ValueDigest(const storage::RecordView& record);
// The digest of one key and its value, as it enters the dataset digest.
Digest KeyDigest(std::string_view key, const storage::RecordView& record);
// XORs `key_digest` into `dataset` (order-independent).
void XorInto(Digest* dataset, const Digest& key_digest);
// Mixes a database index into `dataset` before its keys, so moving data between databases
// changes the digest.
void MixDatabase(Digest* dataset, storage::DbIndex db);
// 40 lower-case hex characters.
std::string DigestHex(const Digest& digest);

}  // namespace ferrite::commands
