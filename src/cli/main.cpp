// relutope's entry point: every failure becomes one line on stderr and an exit status
// (2: bad usage or input, 3: a resource limit), never a crash or a half-written file.
#include "commands.hpp"
#include "relutope/error.hpp"

#include <csignal>
#include <iostream>
#include <new>
#ifdef __GLIBC__
#include <malloc.h>
#endif

int main(int argc, char** argv) {
#ifdef __GLIBC__
  // Keep freed heap memory in the process: Eigen allocates its product buffers per product,
  // and glibc returning them to the OS made training pay page faults on every step (+40%
  // steps/s on lazzari-random-rgb without them, bench/train_throughput.sh).
  mallopt(M_TOP_PAD, 64 << 20);
#endif
  // A closed pipe (relutope ... | head) then fails the write, which is reported as a write
  // failure (exit 2), instead of killing the process silently.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"relutope: exact polyhedral analysis of ReLU networks"};
  app.require_subcommand(1);
  std::function<void()> run;
  relutope::cli::add_commands(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "relutope: " << e.what() << " (see --help)\n";
    return 2;
  }
  try {
    run();
    // A full disk or a closed pipe shows only when the buffered output is flushed.
    std::cout.flush();
    if (!std::cout) {
      std::cerr << "relutope: stdout: write failed\n";
      return 2;
    }
  } catch (const relutope::InputError& e) {
    std::cerr << "relutope: " << e.what() << "\n";
    return 2;
  } catch (const relutope::LimitError& e) {
    std::cerr << "relutope: " << e.what() << "\n";
    return 3;
  } catch (const relutope::Interrupted&) {
    std::cerr << "relutope: interrupted\n";
    return 130;
  } catch (const std::bad_alloc&) {
    std::cerr << "relutope: out of memory: the problem is too large for this machine\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "relutope: internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
