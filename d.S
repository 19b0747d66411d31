sh1add t0, s1, a7
sh2add t0, s1, a7
sh3add t0, s1, a7
add.uw t0, s1, a7
sh1add.uw t0, s1, a7
sh2add.uw t0, s1, a7
sh3add.uw t0, s1, a7
slli.uw t0, s1, 0
slli.uw t0, s1, 63
andn t0, s1, a7
orn t0, s1, a7
xnor t0, s1, a7
clz t0, s1
ctz t0, s1
cpop t0, s1
clzw t0, s1
ctzw t0, s1
cpopw t0, s1
max t0, s1, a7
maxu t0, s1, a7
min t0, s1, a7
minu t0, s1, a7
sext.b t0, s1
sext.h t0, s1
zext.h t0, s1
rol t0, s1, a7
ror t0, s1, a7
rori t0, s1, 1
rori t0, s1, 63
rolw t0, s1, a7
rorw t0, s1, a7
roriw t0, s1, 31
orc.b t0, s1
rev8 t0, s1
bclr t0, s1, a7
bclri t0, s1, 63
bext t0, s1, a7
bexti t0, s1, 0
binv t0, s1, a7
binvi t0, s1, 32
bset t0, s1, a7
bseti t0, s1, 31
bset x0, s1, a7
rev8 x0, s1
