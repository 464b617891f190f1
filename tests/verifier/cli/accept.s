# accepted: the length is checked before the 8-byte read
  if r2 < 8 goto out
  r0 = *(u64 *)(r1 + 0)
  exit
out:
  r0 = 0
  exit
