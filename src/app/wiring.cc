#include "app/wiring.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "commands/families.h"
#include "server/dispatcher.h"
#include "server/registry/command_registry.h"
#include "server/server.h"
#include "server/server_context.h"
#include "storage/memory_store.h"

namespace ferrite::app {

namespace {

Status RegisterFamilies(server::CommandRegistry& registry) {
  for (auto family : {commands::ConnectionFamily, commands::ServerFamily,
                      commands::StringFamily, commands::KeyFamily, commands::ClientFamily,
                      commands::InfoFamily}) {
    for (const commands::CommandBinding& b : family()) {
      Status st = registry.SetHandler(b.name, b.handler);
      if (!st.ok()) return st;
    }
  }
  return Status::Ok();
}

// Blocks the signals the main thread waits for, before any other thread starts, so they are
// delivered only to sigtimedwait below.
sigset_t BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return set;
}

}  // namespace

int Main(int argc, char** argv) {
  server::ServerOptions options;
  options.bind = "0.0.0.0";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--port") {
      options.port = static_cast<uint16_t>(std::atoi(next().c_str()));
    } else if (arg == "--bind") {
      options.bind = next();
    } else if (arg == "--threads") {
      options.threads = std::atoi(next().c_str());
    }
  }

  sigset_t signals = BlockShutdownSignals();
  auto store = storage::NewMemoryStore(16);
  auto registry = server::CommandRegistry::Create();
  if (!registry) {
    std::fprintf(stderr, "ferrite: command registry: %s\n", registry.error().ToString().c_str());
    return 1;
  }
  if (Status st = RegisterFamilies(**registry); !st.ok()) {
    std::fprintf(stderr, "ferrite: %s\n", st.ToString().c_str());
    return 1;
  }
  server::ServerContext context(store.get(), registry->get(), storage::SystemClockMs);
  context.executable = argv[0];
  context.max_clients = options.max_clients;
  server::Dispatcher dispatcher(context);
  server::Server server(context, dispatcher, options);
  if (Status st = server.Start(); !st.ok()) {
    std::fprintf(stderr, "ferrite: %s\n", st.ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "ferrite: ready to accept connections on %s:%u with %zu threads\n",
               options.bind.c_str(), server.port(), server.thread_count());

  while (!context.shutdown_requested()) {
    timespec timeout{0, 100 * 1000 * 1000};
    int sig = sigtimedwait(&signals, nullptr, &timeout);
    if (sig == SIGINT || sig == SIGTERM) context.RequestShutdown();
  }
  std::fprintf(stderr, "ferrite: shutting down\n");
  server.Stop();
  return 0;
}

}  // namespace ferrite::app
