#include "server/registry/command_registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <set>
#include <string>
#include <vector>

// Counts heap allocations in this test binary, to check that lookups allocate nothing.
namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
// GCC cannot see that the replaced operator new above is malloc-based.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace ferrite::server {
namespace {

void Noop(CommandContext&) {}

class CommandRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = CommandRegistry::Create();
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    registry_ = std::move(r).value();
  }

  const CommandSpec& Spec(std::string_view name) {
    const CommandSpec* spec = registry_->Find(name);
    EXPECT_NE(spec, nullptr) << name;
    return *spec;
  }

  void ImplementAll() {
    for (size_t id = 0; id < registry_->size(); ++id) {
      ASSERT_TRUE(registry_->SetHandler(registry_->ById(id).name, Noop).ok());
    }
  }

  // COMMAND GETKEYS: the keys as strings, or the error message.
  std::vector<std::string> Keys(std::vector<std::string_view> argv) {
    std::vector<KeyReference> keys;
    Status s = registry_->GetKeysForCommand(argv, &keys);
    if (!s.ok()) return {std::string(s.message())};
    std::vector<std::string> out;
    for (const KeyReference& k : keys) out.emplace_back(argv[k.pos]);
    return out;
  }

  std::unique_ptr<CommandRegistry> registry_;
};

TEST_F(CommandRegistryTest, HoldsEveryRedis70Command) {
  EXPECT_EQ(registry_->commands().size(), 240u);  // COMMAND COUNT of redis-server 7.0.15
  EXPECT_EQ(registry_->size(), 368u);  // plus 126 subcommands, CLIENT SETINFO and TRACEPARENT
  std::string previous;
  for (const CommandSpec& cmd : registry_->commands()) {
    EXPECT_LT(previous, cmd.name);  // name order
    previous = std::string(cmd.name);
    ASSERT_NE(cmd.metadata, nullptr);
    EXPECT_EQ(cmd.metadata->name, cmd.name);
    EXPECT_EQ(cmd.handler, nullptr);
  }
}

TEST_F(CommandRegistryTest, FindIsCaseInsensitive) {
  const CommandSpec* get = registry_->Find("get");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->name, "get");
  EXPECT_EQ(registry_->Find("GET"), get);
  EXPECT_EQ(registry_->Find("gEt"), get);
  EXPECT_EQ(registry_->Find("nosuchcommand"), nullptr);
  EXPECT_EQ(registry_->Find(""), nullptr);
  EXPECT_EQ(registry_->Find(std::string(500, 'g')), nullptr);
  const CommandSpec* config_get = registry_->Find("CONFIG|Get");
  ASSERT_NE(config_get, nullptr);
  EXPECT_EQ(config_get->name, "config|get");
  EXPECT_EQ(registry_->Find("config|get|x"), nullptr);
  EXPECT_EQ(registry_->Find("get|x"), nullptr);
}

TEST_F(CommandRegistryTest, LookupsDoNotAllocate) {
  ASSERT_TRUE(registry_->SetHandler("get", Noop).ok());
  std::vector<std::string_view> argv = {"CONFIG", "GET", "maxmemory"};
  std::vector<std::string_view> get = {"GET", "key"};
  std::vector<int> positions;
  positions.reserve(8);
  // Warm up thread-local scratch space once.
  ASSERT_TRUE(registry_->GetKeys(Spec("get"), get, &positions));
  const uint64_t before = g_allocations.load();
  const CommandSpec* a = registry_->Find("ZUNIONSTORE");
  const CommandSpec* b = registry_->Lookup(argv);
  const CommandSpec* c = registry_->FindSubcommand(Spec("client"), "No-Evict");
  bool ok = registry_->GetKeys(*registry_->Find("get"), get, &positions);
  std::string_view canonical = CanonicalName(*b);
  const uint64_t after = g_allocations.load();
  EXPECT_EQ(after, before);
  EXPECT_NE(a, nullptr);
  EXPECT_EQ(b, registry_->Find("config|get"));
  EXPECT_NE(c, nullptr);
  EXPECT_TRUE(ok);
  EXPECT_EQ(canonical, "CONFIG GET");
}

TEST_F(CommandRegistryTest, FindSubcommandAndLookup) {
  const CommandSpec& config = Spec("config");
  EXPECT_EQ(registry_->FindSubcommand(config, "GET"), registry_->Find("config|get"));
  EXPECT_EQ(registry_->FindSubcommand(config, "nosuch"), nullptr);
  EXPECT_EQ(registry_->FindSubcommand(Spec("get"), "x"), nullptr);
  EXPECT_EQ(registry_->FindSubcommand(config, "get|x"), nullptr);

  using V = std::vector<std::string_view>;
  EXPECT_EQ(registry_->Lookup(V{"CONFIG", "get", "maxmemory"}), registry_->Find("config|get"));
  EXPECT_EQ(registry_->Lookup(V{"config"}), &config);  // fails arity later, as in Redis
  EXPECT_EQ(registry_->Lookup(V{"config", "nosuch"}), nullptr);
  EXPECT_EQ(registry_->Lookup(V{"config|get", "x"}), nullptr);
  EXPECT_EQ(registry_->Lookup(V{"GET", "k"}), registry_->Find("get"));
  EXPECT_EQ(registry_->Lookup(V{}), nullptr);
}

TEST_F(CommandRegistryTest, AritiesMatchRedis) {
  const std::pair<std::string_view, int> expected[] = {
      {"get", 2},
      {"set", -3},
      {"zunionstore", -4},
      {"mset", -3},
      {"del", -2},
      {"ping", -1},
      {"xread", -4},
      {"eval", -3},
      {"config|get", -3},
      {"config|set", -4},
      {"command", -1},
      {"command|count", 2},
      {"client|no-evict", 3},
      {"sintercard", -3},
      {"migrate", -6},
      {"hello", -1},
  };
  for (const auto& [name, arity] : expected) EXPECT_EQ(Spec(name).arity, arity) << name;
}

TEST_F(CommandRegistryTest, FlagsAndLegacyKeyRange) {
  const CommandSpec& get = Spec("get");
  EXPECT_EQ(get.flags, kCmdReadOnly | kCmdFast);
  EXPECT_EQ(get.metadata->flag_names, (std::vector<std::string>{"readonly", "fast"}));
  EXPECT_EQ(get.first_key, 1);
  EXPECT_EQ(get.last_key, 1);
  EXPECT_EQ(get.key_step, 1);
  EXPECT_EQ(get.metadata->acl_categories, (std::vector<std::string>{"@read", "@string", "@fast"}));

  const CommandSpec& mset = Spec("mset");
  EXPECT_TRUE(mset.IsWrite());
  EXPECT_EQ(mset.last_key, -1);
  EXPECT_EQ(mset.key_step, 2);

  EXPECT_TRUE(Spec("zunionstore").HasFlag(kCmdMovableKeys));
  EXPECT_TRUE(Spec("blpop").HasFlag(kCmdBlocking));
  EXPECT_TRUE(Spec("auth").HasFlag(kCmdNoAuth));
  // Flags COMMAND INFO hides, from the generator's table.
  EXPECT_TRUE(Spec("eval").HasFlag(kCmdMayReplicate));
  EXPECT_TRUE(Spec("scan").HasFlag(kCmdTouchesArbitraryKeys));
  EXPECT_TRUE(Spec("debug").HasFlag(kCmdProtected));
  EXPECT_FALSE(Spec("eval").metadata->hidden_flags.empty());
  EXPECT_FALSE(Spec("get").HasFlag(kCmdMayReplicate));
  // no_async_loading has no dispatcher bit but is kept for COMMAND INFO.
  const auto& names = Spec("save").metadata->flag_names;
  EXPECT_NE(std::find(names.begin(), names.end(), "no_async_loading"), names.end());
}

TEST_F(CommandRegistryTest, KeySpecsAndDocs) {
  const CommandMetadata& xread = Metadata(Spec("xread"));
  ASSERT_EQ(xread.key_specs.size(), 1u);
  EXPECT_EQ(xread.key_specs[0].begin_search, KeySpec::BeginSearch::kKeyword);
  EXPECT_EQ(xread.key_specs[0].keyword, "STREAMS");
  EXPECT_EQ(xread.key_specs[0].limit, 2);

  const CommandMetadata& zunion = Metadata(Spec("zunionstore"));
  ASSERT_EQ(zunion.key_specs.size(), 2u);
  EXPECT_EQ(zunion.key_specs[1].find_keys, KeySpec::FindKeys::kKeynum);
  EXPECT_EQ(zunion.key_specs[1].flags, kKeyRO | kKeyAccess);

  const CommandDocs& set = Metadata(Spec("set")).docs;
  EXPECT_EQ(set.summary.value_or(""), "Set the string value of a key");
  EXPECT_EQ(set.since.value_or(""), "1.0.0");
  EXPECT_EQ(set.group, "string");
  ASSERT_EQ(set.history.size(), 4u);
  EXPECT_EQ(set.history[0].first, "2.6.12");
  ASSERT_TRUE(set.has_arguments);
  EXPECT_EQ(set.arguments[0].name, "key");
  EXPECT_EQ(set.arguments[0].key_spec_index, 0);
  EXPECT_EQ(set.arguments[2].type, "oneof");
  ASSERT_EQ(set.arguments[2].arguments.size(), 2u);
  EXPECT_EQ(set.arguments[2].arguments[0].token.value_or(""), "NX");

  const CommandDocs& getset = Metadata(Spec("getset")).docs;
  EXPECT_EQ(getset.doc_flags, (std::vector<std::string>{"deprecated"}));
  EXPECT_EQ(getset.replaced_by.value_or(""), "`SET` with the `!GET` argument");
}

TEST_F(CommandRegistryTest, DenseIdsAndCanonicalNames) {
  std::set<uint32_t> ids;
  for (size_t i = 0; i < registry_->size(); ++i) {
    const CommandSpec& spec = registry_->ById(static_cast<uint32_t>(i));
    EXPECT_EQ(spec.id, i);
    EXPECT_EQ(registry_->Find(spec.name), &spec);
    ids.insert(spec.id);
  }
  EXPECT_EQ(ids.size(), registry_->size());
  const CommandSpec& config = Spec("config");
  EXPECT_EQ(config.subcommands.front().id, config.id + 1);

  EXPECT_EQ(CanonicalName(Spec("get")), "GET");
  EXPECT_EQ(CanonicalName(Spec("config|get")), "CONFIG GET");
  EXPECT_EQ(CanonicalName(Spec("client|no-evict")), "CLIENT NO-EVICT");
  CommandSpec bare;
  bare.name = "x";
  EXPECT_EQ(CanonicalName(bare), "x");
}

TEST_F(CommandRegistryTest, SetHandlerMarksImplemented) {
  EXPECT_EQ(registry_->ImplementedCount(), 0u);
  EXPECT_TRUE(registry_->SetHandler("nosuch", Noop).IsNotFound());
  ASSERT_TRUE(registry_->SetHandler("GET", Noop).ok());
  ASSERT_TRUE(registry_->SetHandler("config|get", Noop).ok());
  EXPECT_TRUE(CommandRegistry::IsImplemented(Spec("get")));
  EXPECT_TRUE(CommandRegistry::IsImplemented(Spec("config")));  // via a subcommand
  EXPECT_FALSE(CommandRegistry::IsImplemented(Spec("config|set")));
  EXPECT_FALSE(CommandRegistry::IsImplemented(Spec("set")));
  EXPECT_EQ(registry_->ImplementedCount(), 2u);
  EXPECT_EQ(Spec("get").handler, &Noop);
}

TEST_F(CommandRegistryTest, GetKeysFromRangeSpecs) {
  ImplementAll();
  EXPECT_EQ(Keys({"get", "k"}), (std::vector<std::string>{"k"}));
  EXPECT_EQ(Keys({"mset", "a", "1", "b", "2"}), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Keys({"del", "a", "b", "c"}), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Keys({"rename", "a", "b"}), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Keys({"blpop", "a", "b", "0"}), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Keys({"xread", "COUNT", "2", "STREAMS", "s1", "s2", "0", "0"}),
            (std::vector<std::string>{"s1", "s2"}));
}

TEST_F(CommandRegistryTest, GetKeysFromKeynumSpecs) {
  ImplementAll();
  EXPECT_EQ(Keys({"zunionstore", "dst", "2", "a", "b", "WEIGHTS", "1", "2"}),
            (std::vector<std::string>{"dst", "a", "b"}));
  EXPECT_EQ(Keys({"sintercard", "2", "a", "b", "LIMIT", "1"}),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Keys({"eval", "return 1", "1", "k", "arg"}), (std::vector<std::string>{"k"}));
  EXPECT_EQ(Keys({"lmpop", "2", "l1", "l2", "LEFT"}), (std::vector<std::string>{"l1", "l2"}));
  // EVAL with no keys is valid: no_mandatory_keys.
  EXPECT_EQ(Keys({"eval", "return 1", "0"}), std::vector<std::string>{});
}

TEST_F(CommandRegistryTest, GetKeysFallsBackLikeRedis) {
  ImplementAll();
  EXPECT_EQ(Keys({"sort", "l", "BY", "w_*", "STORE", "dst"}),
            (std::vector<std::string>{"l", "dst"}));
  EXPECT_EQ(Keys({"migrate", "h", "1", "", "0", "5", "KEYS", "a", "b"}),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Keys({"set", "k", "v", "GET"}), (std::vector<std::string>{"k"}));
  std::vector<KeyReference> keys;
  std::vector<std::string_view> set_get = {"set", "k", "v", "GET"};
  ASSERT_TRUE(registry_->GetKeysForCommand(set_get, &keys).ok());
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].flags, kKeyRW | kKeyAccess | kKeyUpdate);
  std::vector<std::string_view> set_plain = {"set", "k", "v"};
  ASSERT_TRUE(registry_->GetKeysForCommand(set_plain, &keys).ok());
  EXPECT_EQ(keys[0].flags, kKeyOW | kKeyUpdate);
}

TEST_F(CommandRegistryTest, GetKeysErrors) {
  EXPECT_EQ(Keys({"get", "k"}), (std::vector<std::string>{"ERR Invalid command specified"}));
  ImplementAll();
  EXPECT_EQ(Keys({"nosuch", "k"}), (std::vector<std::string>{"ERR Invalid command specified"}));
  EXPECT_EQ(Keys({"ping"}), (std::vector<std::string>{"ERR The command has no key arguments"}));
  EXPECT_EQ(Keys({"get", "a", "b"}),
            (std::vector<std::string>{"ERR Invalid number of arguments specified for command"}));
  EXPECT_EQ(Keys({"zunionstore", "d", "x", "a"}),
            (std::vector<std::string>{"ERR Invalid arguments specified for command"}));
  EXPECT_EQ(Keys({"zunionstore", "d", "5", "a"}),
            (std::vector<std::string>{"ERR Invalid arguments specified for command"}));

  // GetKeys for the dispatcher: false only when keys are required but not found.
  std::vector<int> positions;
  std::vector<std::string_view> bad = {"zunionstore", "d", "0", "a"};
  EXPECT_FALSE(registry_->GetKeys(Spec("zunionstore"), bad, &positions));
  std::vector<std::string_view> good = {"mget", "a", "b"};
  EXPECT_TRUE(registry_->GetKeys(Spec("mget"), good, &positions));
  EXPECT_EQ(positions, (std::vector<int>{1, 2}));
  std::vector<std::string_view> ping = {"ping"};
  EXPECT_TRUE(registry_->GetKeys(Spec("ping"), ping, &positions));
  EXPECT_TRUE(positions.empty());
}

TEST_F(CommandRegistryTest, FerriteExtensions) {
  const CommandSpec& tp = Spec("client|traceparent");
  EXPECT_TRUE(tp.metadata->extension);
  EXPECT_EQ(tp.arity, -3);
  EXPECT_EQ(CanonicalName(tp), "CLIENT TRACEPARENT");
  EXPECT_EQ(registry_->FindSubcommand(Spec("client"), "TRACEPARENT"), &tp);
  EXPECT_FALSE(Spec("client|setname").metadata->extension);

  ASSERT_TRUE(registry_->SetHandler("get", Noop).ok());
  const std::string line =
      R"({"name":"%s","arity":-2,"flags":["readonly"],"first":1,"last":1,"step":1,"acl":[],)"
      R"("tips":[],"key_specs":[{"flags":["RO"],"bs":{"type":"index","index":1},)"
      R"("fk":{"type":"range","lastkey":0,"keystep":1,"limit":0}}],"docs":{"group":"generic"}})";
  auto with_name = [&](std::string_view name) {
    std::string out = line;
    out.replace(out.find("%s"), 2, name);
    return out;
  };
  ASSERT_TRUE(
      registry_->AddCommands(with_name("ferrite.probe") + "\n" + with_name("config|probe")).ok());
  EXPECT_EQ(registry_->size(), 370u);
  EXPECT_NE(registry_->Find("FERRITE.PROBE"), nullptr);
  EXPECT_EQ(registry_->Lookup(std::vector<std::string_view>{"config", "probe"}),
            registry_->Find("config|probe"));
  for (size_t i = 0; i < registry_->size(); ++i) EXPECT_EQ(registry_->ById(i).id, i);
  EXPECT_EQ(Spec("get").handler, &Noop);  // handlers survive the re-indexing
  std::vector<int> keys;
  std::vector<std::string_view> argv = {"ferrite.probe", "k"};
  ASSERT_TRUE(registry_->GetKeys(Spec("ferrite.probe"), argv, &keys));
  EXPECT_EQ(keys, std::vector<int>{1});

  EXPECT_FALSE(registry_->AddCommands(with_name("get")).ok());           // exists
  EXPECT_FALSE(registry_->AddCommands(with_name("nosuch|sub")).ok());    // no container
  EXPECT_FALSE(registry_->AddCommands(with_name("config|get|x")).ok());  // too deep
  EXPECT_EQ(registry_->size(), 370u);
}

TEST(CommandRegistryDataTest, RejectsInconsistentData) {
  EXPECT_FALSE(CommandRegistry::CreateFromData("{\"name\":\"x\"").has_value());
  EXPECT_FALSE(CommandRegistry::CreateFromData("{\"arity\":1}").has_value());
  const std::string one =
      R"({"name":"x","arity":1,"flags":["fast"],"first":0,"last":0,"step":0,"acl":[],)"
      R"("tips":[],"key_specs":[],"docs":{"group":"generic"}})";
  auto ok = CommandRegistry::CreateFromData(one);
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  EXPECT_EQ((*ok)->Find("X")->flags, kCmdFast);
  EXPECT_FALSE(CommandRegistry::CreateFromData(one + "\n" + one).has_value());  // duplicate
  std::string bad_flag = one;
  bad_flag.replace(bad_flag.find("fast"), 4, "fastest");
  EXPECT_FALSE(CommandRegistry::CreateFromData(bad_flag).has_value());
}

}  // namespace
}  // namespace ferrite::server
