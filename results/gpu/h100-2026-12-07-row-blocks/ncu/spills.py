# Reads cuobjdump -sass; for each DecodeLanesKernel / DecodeStagedKernel function prints its
# instruction count, and each local-memory (spill) access with the backward branches around it,
# so a spill inside the key loop shows up between a loop head and its back edge.
import re, sys
name = None; ins = []
def flush():
    if not name: return
    m = re.search(r'(DecodeLanesKernel|DecodeStagedKernel)INS\d_\d+ContiguousKVOfI(.*?)EENS\d_\d+DecodePlanE(Li\d+E)*', name)
    if not m: return
    tag = m.group(1) + ('<bf16' if 'bf16' in m.group(2) else '<fp16' if 'fp16' in m.group(2) else '<f32') + ''.join(re.findall(r'Li(\d+)E', m.group(0))) + '>'
    spills = [(i, l) for i, l in enumerate(ins) if re.search(r'\b(STL|LDL)\b', l)]
    backs = []
    for i, l in enumerate(ins):
        b = re.search(r'\bBRA\b.*?0x([0-9a-f]+)', l)
        if b:
            tgt = int(b.group(1), 16) // 16
            if tgt < i: backs.append((tgt, i))
    print(f'{tag}: {len(ins)} instructions, {len(spills)} local accesses, loops {backs}')
    for i, l in spills:
        inside = [lp for lp in backs if lp[0] <= i <= lp[1]]
        print(f'   {i:5d} {"IN LOOP " + str(inside) if inside else "outside"}  {l.strip()[:80]}')
for line in sys.stdin:
    m = re.match(r'\s*Function : (\S+)', line)
    if m:
        flush(); name = m.group(1); ins = []; continue
    if re.search(r'/\*[0-9a-f]{4,5}\*/', line): ins.append(line)
flush()
