#include "bench/instruction_count.hpp"

#include <sys/wait.h>
#include <unistd.h>
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define MOAT_HAS_CALLGRIND_H 1
#else  // built without valgrind's headers: the child refuses to run (running_under_valgrind)
#define MOAT_HAS_CALLGRIND_H 0
#endif

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace moat {

namespace fs = std::filesystem;

namespace {

const char* const missing_valgrind =
    "--instructions needs valgrind (callgrind) on PATH; install it (apt-get install valgrind) or "
    "run without --instructions";

std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    fs::path p = fs::path(dir) / name;
    if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return {};
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

#if MOAT_HAS_CALLGRIND_H
bool running_under_valgrind() { return RUNNING_ON_VALGRIND != 0; }

void count_instructions(const std::string& label, const std::function<void()>& fn) {
  CALLGRIND_START_INSTRUMENTATION;
  CALLGRIND_ZERO_STATS;
  CALLGRIND_TOGGLE_COLLECT;
  fn();
  CALLGRIND_TOGGLE_COLLECT;
  CALLGRIND_DUMP_STATS_AT(label.c_str());
  CALLGRIND_STOP_INSTRUMENTATION;
}
#else
bool running_under_valgrind() { return false; }
void count_instructions(const std::string&, const std::function<void()>& fn) { fn(); }
#endif

std::string case_dump_label(std::size_t index) { return "moat-case-" + std::to_string(index); }

CallgrindDump parse_callgrind_dump(std::istream& in) {
  const std::string trigger = "desc: Trigger: Client Request: ";
  CallgrindDump d;
  std::size_t ir = 0;  // column of Ir among `events:`
  std::optional<std::uint64_t> summary;
  std::string line;
  while (std::getline(in, line)) {
    if (starts_with(line, trigger)) {
      d.label = line.substr(trigger.size());
    } else if (starts_with(line, "events:")) {
      std::istringstream names(line.substr(7));
      std::string name;
      for (std::size_t i = 0; names >> name; ++i)
        if (name == "Ir") ir = i;
    } else if (starts_with(line, "totals:") || starts_with(line, "summary:")) {
      std::istringstream values(line.substr(line.find(':') + 1));
      std::uint64_t v = 0;
      for (std::size_t i = 0; i <= ir; ++i)
        if (!(values >> v)) v = 0;  // a missing column counts zero
      (starts_with(line, "totals:") ? d.instructions : summary) = v;
    }
  }
  if (!d.instructions) d.instructions = summary;
  return d;
}

std::map<std::string, std::uint64_t> read_callgrind_dumps(const std::string& dir) {
  std::map<std::string, std::uint64_t> counts;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream f(entry.path());
    CallgrindDump d = parse_callgrind_dump(f);
    if (!d.label.empty() && d.instructions) counts[d.label] = *d.instructions;
  }
  return counts;
}

int run_self_under_callgrind(const std::vector<std::string>& self_args, const std::string& dir) {
  const std::string valgrind = find_on_path("valgrind");
  if (valgrind.empty()) throw Error(missing_valgrind);
  std::vector<std::string> args = {valgrind,
                                   "--tool=callgrind",
                                   "--collect-atstart=no",
                                   "--instr-atstart=no",
                                   "--callgrind-out-file=" + (fs::path(dir) / "callgrind.out").string(),
                                   "-q",
                                   fs::read_symlink("/proc/self/exe").string()};
  args.insert(args.end(), self_args.begin(), self_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw Error("--instructions: cannot start valgrind (fork failed)");
  if (pid == 0) {
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw Error("--instructions: lost the valgrind child (waitpid failed)");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string valgrind_version() {
  const std::string valgrind = find_on_path("valgrind");
  if (valgrind.empty()) throw Error(missing_valgrind);
  std::string out;
  if (FILE* p = ::popen((valgrind + " --version 2>/dev/null").c_str(), "r")) {
    std::array<char, 128> buf{};
    while (std::fgets(buf.data(), int(buf.size()), p)) out += buf.data();
    ::pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out.empty() ? "valgrind (unknown version)" : out;
}

void burn_loop(std::uint64_t iterations) {
  volatile std::uint64_t sink = 0;
  for (std::uint64_t i = 0; i < iterations; ++i) sink = sink + i;
}

}  // namespace moat
