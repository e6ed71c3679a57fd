"""Files in and out of other tools: each module reads or writes one format, offline (a file in, a file
out), over the public API."""
