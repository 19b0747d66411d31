# Sourced by the scripts: settings every run of the emulator under mpirun needs here.
# Machines run as root; Open MPI refuses root unless told.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
: "${SYMUNIX_BUILD:=build}"
