# nbconvert's configuration for the notebooks the site runs (sitebuild/hooks/notebooks.py puts
# this folder on JUPYTER_CONFIG_PATH). The kernels talk to the build over IPC (Unix sockets)
# rather than unencrypted TCP, which is also what ipykernel's warning about TCP asks for. The
# socket path is absolute, because a kernel runs in its notebook's folder, and holds the build's
# process id, so builds running side by side never share one.
import os
import tempfile

c = get_config()  # noqa: F821 (traitlets provides it)
c.KernelManager.transport = "ipc"
c.KernelManager.ip = os.path.join(tempfile.gettempdir(), f"nnnotes-kernel-{os.getpid()}")
