"""The contrastive recipe of the pretraining job, replicated in PyTorch to sweep its settings quickly on a GPU.

The encoder (three conv blocks of width w, 2w, 4w with batch norm, global average pooling, a linear layer to 128),
the two random views (random resized crop by affine sampling, flip, brightness/contrast jitter, noise), the
projection head and NT-Xent follow src/LabelLoop.Ml/TorchSharp/Pretraining.cs. Each configuration pretrains on the
8,000-image pool of the Fashion-MNIST sample (the dataset's 10,000 test images minus a 2,000-image test split) and
reports: k-NN accuracy with every pool label; a linear probe on standardised embeddings from 100 labels (10 per
class, and 100 random), mean of 3 draws; and a probe and 1-NN from the 10 most typical items of 10 k-means clusters.

Usage: python3 sweep.py '{"name": {"w": 16, "e": 20, ...}, ...}' results.jsonl   (FMNIST_DIR: the idx files)
"""
import gzip, sys, time, json, math, os, traceback
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
torch.backends.cudnn.benchmark = True
dev = 'cuda' if torch.cuda.is_available() else 'cpu'
def load(p, off): return np.frombuffer(gzip.open(p).read(), np.uint8, offset=off)
DATA = os.environ.get('FMNIST_DIR', '/usr/share/datasets/fashion-mnist')
X = load(f'{DATA}/t10k-images-idx3-ubyte.gz', 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
Y = load(f'{DATA}/t10k-labels-idx1-ubyte.gz', 8).astype(np.int64)
rng = np.random.default_rng(1); perm = rng.permutation(len(X))
test, pool = perm[:2000], perm[2000:]
Xp, Yp, Xt, Yt = [torch.tensor(a).to(dev) for a in (X[pool], Y[pool], X[test], Y[test])]

class Enc(nn.Module):
    def __init__(s, w, emb=128, pool_hw=1):
        super().__init__()
        s.c1 = nn.Conv2d(1, w, 3, padding=1, bias=False); s.b1 = nn.BatchNorm2d(w)
        s.c2 = nn.Conv2d(w, 2*w, 3, padding=1, bias=False); s.b2 = nn.BatchNorm2d(2*w)
        s.c3 = nn.Conv2d(2*w, 4*w, 3, padding=1, bias=False); s.b3 = nn.BatchNorm2d(4*w)
        s.ph = pool_hw; s.proj = nn.Linear(4*w*pool_hw*pool_hw, emb)
    def forward(s, x):
        h = F.max_pool2d(F.relu(s.b1(s.c1(x))), 2)
        h = F.max_pool2d(F.relu(s.b2(s.c2(h))), 2)
        h = F.relu(s.b3(s.c3(h)))
        return s.proj(F.adaptive_avg_pool2d(h, s.ph).flatten(1))

def view(x, crop, jitter, noise, flip=True):
    b = x.shape[0]; r = lambda: torch.rand(b, device=dev)
    area = crop + r() * (1 - crop); ratio = torch.exp((r()*2-1) * math.log(4/3))
    w = torch.sqrt(area*ratio).clamp(max=1); h = torch.sqrt(area/ratio).clamp(max=1)
    cx = (r()*2-1)*(1-w); cy = (r()*2-1)*(1-h)
    sign = torch.where(r() < 0.5, -1.0, 1.0) if flip else torch.ones(b, device=dev)
    z = torch.zeros(b, device=dev)
    theta = torch.stack([torch.stack([w*sign, z, cx], 1), torch.stack([z, h, cy], 1)], 1)
    v = F.grid_sample(x, F.affine_grid(theta, x.shape, align_corners=False), mode='bilinear', padding_mode='border', align_corners=False)
    if jitter > 0:
        br = (torch.rand(b,1,1,1,device=dev)*2-1)*jitter; ct = 1 + (torch.rand(b,1,1,1,device=dev)*2-1)*jitter
        m = v.mean((1,2,3), keepdim=True); v = ((v-m)*ct + m + br).clamp(0, 1)
    if noise > 0: v = v + torch.randn_like(v)*noise
    return v

def ntxent(z, t):
    n = z.shape[0]; s = z @ z.t() / t
    s = s.masked_fill(torch.eye(n, dtype=torch.bool, device=dev), float('-inf'))
    return F.cross_entropy(s, (torch.arange(n, device=dev) + n//2) % n)

def pretrain(c, seed=1):
    torch.manual_seed(seed)
    enc = Enc(c['w'], c.get('emb',128), c.get('pool',1)).to(dev)
    d = c.get('emb',128)
    if c.get('bnhead'): head = nn.Sequential(nn.Linear(d,d), nn.BatchNorm1d(d), nn.ReLU(), nn.Linear(d, c.get('proj',64))).to(dev)
    else: head = nn.Sequential(nn.Linear(d,d), nn.ReLU(), nn.Linear(d, c.get('proj',64))).to(dev)
    params = list(enc.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=c.get('lr',2e-3), weight_decay=c.get('wd',1e-4))
    E = c['e']; bs = c.get('bs',256); n = len(Xp); steps = 0; loss = torch.tensor(float('nan'))
    for ep in range(E):
        for g in opt.param_groups: g['lr'] = c.get('lr',2e-3) * 0.5 * (1 + math.cos(math.pi*ep/E))
        order = torch.randperm(n, device=dev)
        for i in range(0, n - 1, bs):
            xb = Xp[order[i:i+bs]]
            v = torch.cat([view(xb, c.get('crop',.35), c.get('jit',.4), c.get('noise',.05)), view(xb, c.get('crop',.35), c.get('jit',.4), c.get('noise',.05))])
            loss = ntxent(F.normalize(head(enc(v)), dim=1), c.get('t',.2))
            opt.zero_grad(); loss.backward(); opt.step(); steps += 1
    return enc, loss.item()

@torch.no_grad()
def embed(enc, x):
    enc.eval(); return torch.cat([enc(x[i:i+2000]) for i in range(0, len(x), 2000)])

def probe(ftr, ytr, fte, yte, steps=300):
    mu, sd = ftr.mean(0), ftr.std(0) + 1e-6
    a, b = (ftr-mu)/sd, (fte-mu)/sd
    lin = nn.Linear(a.shape[1], 10).to(dev); opt = torch.optim.Adam(lin.parameters(), lr=1e-2, weight_decay=1e-3)
    for _ in range(steps):
        l = F.cross_entropy(lin(a), ytr); opt.zero_grad(); l.backward(); opt.step()
    return (lin(b).argmax(1) == yte).float().mean().item()

def knn(ftr, ytr, fte, yte, k=10):
    a, b = F.normalize(ftr, dim=1), F.normalize(fte, dim=1)
    idx = (b @ a.t()).topk(k, dim=1).indices
    votes = F.one_hot(ytr[idx], 10).sum(1)
    return (votes.argmax(1) == yte).float().mean().item()

def typical10(f):
    a = F.normalize(f, dim=1); g = torch.Generator(device='cpu').manual_seed(0)
    cent = a[torch.randperm(len(a), generator=g)[:10].to(dev)]
    for _ in range(50):
        asg = (a @ cent.t()).argmax(1)
        cent = F.normalize(torch.stack([a[asg==j].mean(0) if (asg==j).any() else cent[j] for j in range(10)]), dim=1)
    asg = (a @ cent.t()).argmax(1); picks = []
    for j in range(10):
        m = (asg==j).nonzero().flatten()
        if len(m): picks.append(m[(a[m] @ cent[j]).argmax()].item())
    return torch.tensor(picks, device=dev)

def evaluate(fp, ft):
    out = {'knn_all': knn(fp, Yp, ft, Yt)}
    accs, accr = [], []
    for s in range(3):
        g = np.random.default_rng(100+s); yp = Yp.cpu().numpy()
        strat = np.concatenate([g.choice(np.flatnonzero(yp==c), 10, replace=False) for c in range(10)])
        rnd = g.choice(len(yp), 100, replace=False)
        accs.append(probe(fp[strat], Yp[strat], ft, Yt)); accr.append(probe(fp[rnd], Yp[rnd], ft, Yt))
    out['probe100_strat'] = float(np.mean(accs)); out['probe100_rand'] = float(np.mean(accr))
    t = typical10(fp); out['typ10_probe'] = probe(fp[t], Yp[t], ft, Yt); out['typ10_classes'] = len(set(Yp[t].tolist()))
    out['typ10_knn1'] = knn(fp[t], Yp[t], ft, Yt, k=1)
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}

if __name__ == '__main__':
    configs = json.loads(sys.argv[1]); outp = sys.argv[2]
    for name, c in configs.items():
        try:
            t0 = time.time()
            if c.get('raw'):
                r = evaluate(Xp.flatten(1), Xt.flatten(1)); r['secs'] = 0
            else:
                enc, loss = pretrain(c); r = evaluate(embed(enc, Xp), embed(enc, Xt)); r['loss'] = round(loss, 3); r['secs'] = round(time.time()-t0, 1)
            r['name'] = name; r['cfg'] = c
            line = json.dumps(r); print(line, flush=True)
            open(outp, 'a').write(line + '\n')
        except Exception:
            traceback.print_exc(); sys.stdout.flush()
