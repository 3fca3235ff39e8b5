#pragma once
// The command families. Each family file ends with one table binding Redis command names
// ("get", "config|get") to handlers; RegisterAllFamilies() attaches them to the registry at
// startup, explicitly and in one place (no static-initialisation order surprises).
//
// Handlers follow three visible steps: parse argv, run the operation on the store, write the
// reply. They run on an event-loop thread with their keys locked (see server/command_context.h).

#include <span>
#include <string_view>

#include "server/command_spec.h"

namespace ferrite::server {
class CommandRegistry;
}

namespace ferrite::commands {

struct CommandBinding {
  std::string_view name;  // lower case; "container|sub" for subcommands
  server::CommandHandler handler;
};

std::span<const CommandBinding> ConnectionFamily();   // PING ECHO QUIT RESET HELLO SELECT ...
std::span<const CommandBinding> ServerFamily();       // INFO CONFIG CLIENT DBSIZE FLUSH* TIME ...
std::span<const CommandBinding> StringFamily();       // GET SET INCR* APPEND LCS ...
std::span<const CommandBinding> KeyFamily();          // DEL EXISTS TYPE RENAME SCAN EXPIRE* ...
std::span<const CommandBinding> ClientFamily();       // CLIENT ID|SETNAME|LIST|KILL|INFO ...
std::span<const CommandBinding> InfoFamily();         // INFO SHUTDOWN MEMORY
std::span<const CommandBinding> DebugFamily();        // DEBUG
std::span<const CommandBinding> ConfigFamily();       // CONFIG GET|SET|RESETSTAT|REWRITE
std::span<const CommandBinding> CommandFamily();      // COMMAND COUNT|INFO|DOCS|GETKEYS|LIST
std::span<const CommandBinding> TransactionFamily();  // MULTI EXEC DISCARD WATCH UNWATCH
std::span<const CommandBinding> SlowlogFamily();      // SLOWLOG GET|LEN|RESET|HELP
std::span<const CommandBinding> PubSubFamily();       // SUBSCRIBE PSUBSCRIBE PUBLISH PUBSUB ...
std::span<const CommandBinding> BitmapFamily();       // SETBIT GETBIT BITCOUNT BITPOS BITOP ...
std::span<const CommandBinding> HllFamily();          // PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST
std::span<const CommandBinding> SortFamily();         // SORT SORT_RO
std::span<const CommandBinding> ListFamily();         // LPUSH LPOP LRANGE LMOVE BLPOP BLMPOP ...
std::span<const CommandBinding> ZSetFamily();  // ZADD ZRANGE ZUNIONSTORE ZPOPMIN BZPOPMIN ...
std::span<const CommandBinding> HashFamily();  // HSET HGET HDEL HINCRBY HRANDFIELD HSCAN ...
std::span<const CommandBinding> DumpFamily();  // DUMP RESTORE
std::span<const CommandBinding> SetFamily();   // SADD SREM SPOP SINTER SUNIONSTORE SSCAN ...

// Every family above, in registration order.
std::span<std::span<const CommandBinding> (*const)()> AllFamilies();

}  // namespace ferrite::commands
