# rejected: only 4 bytes are proven
  if r2 < 4 goto out
  r0 = *(u64 *)(r1 + 0)
  exit
out:
  r0 = 0
  exit
