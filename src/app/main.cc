// ferrite: the server binary. Wires the layers together and waits for a shutdown request.

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "app/wiring.h"

int main(int argc, char** argv) { return ferrite::app::Main(argc, argv); }
