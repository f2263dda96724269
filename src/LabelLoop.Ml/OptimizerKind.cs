namespace LabelLoop.Ml;

/// <summary>The optimizer used by training.</summary>
public enum OptimizerKind
{
    /// <summary>Adam with L2 weight decay added to the gradient.</summary>
    Adam = 0,

    /// <summary>AdamW: Adam with decoupled weight decay.</summary>
    AdamW = 1,
}
