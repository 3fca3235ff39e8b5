#pragma once
// `ferrite check-aof [--fix] FILE`: verifies an append-only file and optionally repairs it.
//
// Without --fix it reads the whole file and reports whether it is valid, and if not, the first bad
// byte offset and why (exit 0 when valid, 1 otherwise). With --fix it truncates the file to the
// end of its last complete record (and complete MULTI/EXEC) without asking for confirmation, so
// it can run from scripts: take a copy first if the bytes after the cut matter (the report says
// how many bytes were removed). Exit 0 after a successful repair, 1 on errors, 2 on bad usage.
//
// Thread safety: a plain function; it reads and may truncate FILE.

#include <ostream>
#include <span>
#include <string_view>

#include "persistence/aof_io.h"

namespace ferrite::persistence {

// `args` excludes the program and subcommand names: e.g. {"--fix", "appendonly.aof"}.
int CheckAofMain(std::span<const std::string_view> args, std::ostream& out, std::ostream& err,
                 AofIo* io = nullptr);

// `ferrite check-checkpoint FILE`: verifies a checkpoint whole (every record check, the counts,
// the whole-file hash) and prints what it holds and the AOF position it continues into. Exit 0
// when valid, 1 when not, 2 on bad usage. Never modifies the file.
int CheckCheckpointMain(std::span<const std::string_view> args, std::ostream& out,
                        std::ostream& err, AofIo* io = nullptr);

}  // namespace ferrite::persistence
