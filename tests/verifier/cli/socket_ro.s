# linux socket filter: tc_index (offset 44) is read-only
  r6 = r1
  r0 = *(u8 *)skb[12]
  r2 = *(u32 *)(r6 + 0)
  *(u32 *)(r6 + 44) = r2
  exit
