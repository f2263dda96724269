"""Few-label heads on one encoder pretrained as the job does (20 epochs, width 16): which 10 items (k-means picks
with cosine or Euclidean distance and different seeds, or random) and which head (a linear probe on standardised
embeddings, 1-NN, or the live model's MLP head with dropout, trained 400 steps with or without augmentation) decide
the accuracy from 10 labels. Run from this folder after sweep.py's requirements: python3 heads.py
"""
import os, sys, json, math, time, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sweep as cx
dev = cx.dev; Xp, Yp, Xt, Yt = cx.Xp, cx.Yp, cx.Xt, cx.Yt

def kmeans_picks(f, k, cosine, iters, seed=0):
    a = F.normalize(f, dim=1) if cosine else f
    g = torch.Generator(device='cpu').manual_seed(seed)
    # k-means++ init
    idx = [torch.randint(len(a), (1,), generator=g).item()]
    for _ in range(k-1):
        d = torch.cdist(a, a[idx]).min(1).values ** 2
        idx.append(torch.multinomial((d / d.sum()).cpu(), 1, generator=g).item())
    cent = a[idx].clone()
    for _ in range(iters):
        asg = torch.cdist(a, cent).argmin(1)
        cent = torch.stack([a[asg==j].mean(0) if (asg==j).any() else cent[j] for j in range(k)])
    asg = torch.cdist(a, cent).argmin(1); picks = []
    for j in range(k):
        m = (asg==j).nonzero().flatten()
        if len(m): picks.append(m[torch.cdist(a[m], cent[j:j+1]).flatten().argmin()].item())
    return torch.tensor(picks, device=dev)

def aug(x):
    b = x.shape[0]
    p = F.pad(x, (2,2,2,2), mode='replicate')
    out = torch.empty_like(x)
    ox = torch.randint(0, 5, (b,)); oy = torch.randint(0, 5, (b,))
    for i in range(b): out[i] = p[i, :, oy[i]:oy[i]+28, ox[i]:ox[i]+28]
    flip = torch.rand(b, device=dev) < 0.5
    out = torch.where(flip[:, None, None, None], out.flip(3), out)
    br = (torch.rand(b,1,1,1,device=dev)*2-1)*0.2; ct = 1 + (torch.rand(b,1,1,1,device=dev)*2-1)*0.2
    m = out.mean((1,2,3), keepdim=True); out = ((out-m)*ct + m + br).clamp(0,1)
    return out + torch.randn_like(out)*0.02

def mlp_head(enc, xi, yi, augment, norm, steps=400, bs=8, lr=1e-3, wd=1e-4, drop=0.2):
    torch.manual_seed(3)
    fc1, fc2 = nn.Linear(128,128).to(dev), nn.Linear(128,10).to(dev)
    opt = torch.optim.AdamW(list(fc1.parameters())+list(fc2.parameters()), lr=lr, weight_decay=wd)
    enc.eval()
    def feats(x):
        with torch.no_grad(): f = enc(x)
        return F.normalize(f, dim=1) * norm if norm else f
    for s in range(steps):
        for g in opt.param_groups: g['lr'] = lr*0.5*(1+math.cos(math.pi*s/steps))
        sel = torch.randperm(len(xi), device=dev)[:bs]
        x = xi[sel]; x = aug(x) if augment else x
        h = F.dropout(feats(x), drop, True); h = F.dropout(F.relu(fc1(h)), drop, True)
        loss = F.cross_entropy(fc2(h), yi[sel]); opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        ft = torch.cat([feats(Xt[i:i+1000]) for i in range(0, 2000, 1000)])
        return (fc2(F.relu(fc1(ft))).argmax(1) == Yt).float().mean().item()

t0 = time.time()
enc, _ = cx.pretrain({'w':16,'e':20})
fp, ft = cx.embed(enc, Xp), cx.embed(enc, Xt)
print('pretrained', round(time.time()-t0,1), 'norm mean', fp.norm(dim=1).mean().item(), flush=True)
sets = {}
sets['typ_cos50'] = kmeans_picks(fp, 10, True, 50)
sets['typ_euc10'] = kmeans_picks(fp, 10, False, 10)
sets['typ_euc10_s1'] = kmeans_picks(fp, 10, False, 10, seed=1)
g = np.random.default_rng(5)
sets['rand10'] = torch.tensor(g.choice(len(Yp), 10, replace=False), device=dev)
sets['rand100'] = torch.tensor(g.choice(len(Yp), 100, replace=False), device=dev)
for name, idx in sets.items():
    xi, yi = Xp[idx], Yp[idx]
    r = {'set': name, 'classes': len(set(yi.tolist()))}
    r['probe_std'] = cx.probe(fp[idx], yi, ft, Yt)
    r['nn1_cos'] = cx.knn(fp[idx], yi, ft, Yt, k=1)
    r['mlp_aug'] = mlp_head(enc, xi, yi, True, 0)
    r['mlp_noaug'] = mlp_head(enc, xi, yi, False, 0)
    r['mlp_aug_l2x5'] = mlp_head(enc, xi, yi, True, 5.0)
    r['mlp_aug_nodrop_wd1e-2'] = mlp_head(enc, xi, yi, True, 0, wd=1e-2, drop=0.0)
    print(json.dumps({k: round(v,3) if isinstance(v,float) else v for k,v in r.items()}), flush=True)
print('secs', round(time.time()-t0,1))
