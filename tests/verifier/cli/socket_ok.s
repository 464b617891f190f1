# linux socket filter: LD_ABS, read len, write cb[0]
  r6 = r1
  r0 = *(u8 *)skb[12]
  r2 = *(u32 *)(r6 + 0)
  *(u32 *)(r6 + 48) = r2
  exit
