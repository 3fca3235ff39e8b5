#pragma once
// FerriteProcess and FerriteServerTest: run the real ferrite binary on a free loopback port for
// C++ integration tests (hiredis and other C clients).
//
// The binary's path comes from the FERRITE_BIN environment variable, else from the compile
// definition FERRITE_BIN_PATH that tests/CMakeLists.txt sets to $<TARGET_FILE:ferrite>. Start()
// forks the server with --port/--bind/--threads, and returns once it answers an inline PING with
// +PONG. Stop() sends SIGTERM and reports the exit status, failing if the process outlives the
// timeout (then it is killed, so no test leaves a server behind).
//
// Thread safety: none; one test thread drives one FerriteProcess. Invariant: while pid_ > 0 the
// child is running or not yet reaped.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace ferrite::testing {

inline std::string FerriteBinary() {
  if (const char* env = std::getenv("FERRITE_BIN"); env != nullptr && *env != '\0') return env;
#ifdef FERRITE_BIN_PATH
  return FERRITE_BIN_PATH;
#else
  return "";
#endif
}

// A loopback port the kernel considered free a moment ago.
inline int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// True when 127.0.0.1:port answers "PING\r\n" with "+PONG\r\n".
inline bool AnswersPing(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      send(fd, "PING\r\n", 6, MSG_NOSIGNAL) == 6) {
    std::string got;
    char buf[16];
    while (got.size() < 7) {
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    ok = got == "+PONG\r\n";
  }
  close(fd);
  return ok;
}

class FerriteProcess {
 public:
  FerriteProcess() = default;
  FerriteProcess(const FerriteProcess&) = delete;
  FerriteProcess& operator=(const FerriteProcess&) = delete;
  ~FerriteProcess() {
    Kill();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Starts the server and waits up to `timeout` for PING. Returns an empty string on success,
  // else what went wrong.
  std::string Start(int threads = 2,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(20000)) {
    binary_ = FerriteBinary();
    if (binary_.empty() || access(binary_.c_str(), X_OK) != 0) {
      return "ferrite binary not found (set FERRITE_BIN): '" + binary_ + "'";
    }
    if (dir_.empty()) {
      // A private data directory: the server writes its checkpoint there at shutdown.
      char dir[] = "/tmp/ferrite-test-XXXXXX";
      if (mkdtemp(dir) == nullptr) return std::string("mkdtemp: ") + std::strerror(errno);
      dir_ = dir;
    }
    for (int attempt = 0; attempt < 5; ++attempt) {  // the free port may be taken meanwhile
      port_ = FreeLoopbackPort();
      std::vector<std::string> args = {binary_,     "--port",    std::to_string(port_),   "--bind",
                                       "127.0.0.1", "--threads", std::to_string(threads), "--dir",
                                       dir_};
      pid_ = fork();
      if (pid_ < 0) return std::string("fork: ") + std::strerror(errno);
      if (pid_ == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);  // a killed test leaves no server behind
        // The Prometheus endpoint listens on a fixed port by default: off, so concurrent test
        // servers don't collide (unless the environment asks for it).
        setenv("FERRITE_METRICS_ENABLED", "false", 0);
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) dup2(devnull, STDIN_FILENO);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
      }
      auto deadline = std::chrono::steady_clock::now() + timeout;
      while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          break;
        }
        if (AnswersPing(port_)) return "";
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      Kill();
    }
    return "ferrite did not answer PING";
  }

  // Sends `sig` and waits for the exit. Returns the exit code, or -1 for a timeout or a death
  // by signal (the process is then killed).
  int Stop(int sig = SIGTERM,
           std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
    if (pid_ <= 0) return -1;
    kill(pid_, sig);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    Kill();
    return -1;
  }

  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  int port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  std::string binary_;
  std::string dir_;
  int port_ = -1;
  pid_t pid_ = -1;
};

// A gtest fixture with one server for the whole suite; each test starts with FLUSHALL done by the
// derived fixture (it knows its client library).
class FerriteServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new FerriteProcess();
    start_error_ = new std::string(server_->Start());
  }
  static void TearDownTestSuite() {
    int code = server_->Stop();
    bool started = start_error_->empty();
    delete server_;
    delete start_error_;
    server_ = nullptr;
    start_error_ = nullptr;
    // A suite-level failure: the server must exit 0 on SIGTERM.
    if (started) {
      EXPECT_EQ(code, 0) << "ferrite did not exit cleanly on SIGTERM";
    }
  }
  void SetUp() override { ASSERT_TRUE(start_error_->empty()) << *start_error_; }

  static int port() { return server_->port(); }

  static inline FerriteProcess* server_ = nullptr;
  static inline std::string* start_error_ = nullptr;
};

}  // namespace ferrite::testing
