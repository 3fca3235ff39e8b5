#pragma once
// The one place that picks implementations and connects the layers: configuration, the store,
// the command registry and families, the server, and (later) telemetry and persistence.

namespace ferrite::app {

int Main(int argc, char** argv);

}  // namespace ferrite::app
