// ocirt-init: executes an InitPlan received on the sync fd given as argv[1], or with
// argv[2] "exec" an ExecPlan (a process joining an existing container).
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include "core/sync_channel.h"
#include "core/sys_error.h"
#include "init/init.h"

using namespace ocirt;

int main(int argc, char** argv) {
  if (argc < 2) {
    static const char usage[] = "ocirt-init is started by ocirt; it is not a command to run by hand\n";
    ssize_t ignored = write(2, usage, sizeof usage - 1);
    (void)ignored;
    return 2;
  }
  int sync_fd = atoi(argv[1]);
  if (sync_fd < 3) return 2;
  ensure_sealed_copy(argc, argv);
  set_report_fd(sync_fd);
  // Every fd from the sync fd upwards is the runtime's or leaked by a caller: none may
  // reach the container process. fds 3..sync_fd-1 are the preserved ones.
  if (syscall(SYS_close_range, sync_fd, ~0U, CLOSE_RANGE_CLOEXEC) != 0) die_errno("close_range", "");
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) die_errno("prctl", "PR_SET_DUMPABLE");

  if (argc > 2 && std::string(argv[2]) == "netdev") run_netdev(sync_fd);
  if (argc > 2 && std::string(argv[2]) == "exec") {
    JsonValue message = receive_message(sync_fd, "exec");
    ExecPlan plan = exec_plan_from_json(message["plan"]);
    run_exec(sync_fd, plan);
  }
  JsonValue message = receive_message(sync_fd, "plan");
  Plan plan = plan_from_json(message["plan"]);
  // Before any namespace: lowering it needs CAP_SYS_RESOURCE in the host's user
  // namespace, which a new user namespace would take away (runc does the same).
  if (plan.process.has_oom_score_adj) write_oom_score_adj(plan.process.oom_score_adj);
  run_bootstrap(sync_fd, plan);
}
