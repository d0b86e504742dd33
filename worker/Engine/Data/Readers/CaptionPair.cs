namespace Orchestrator.Worker.Engine.Data.Readers;

/// <summary>Which part of a dataset a pair belongs to; Karpathy's `restval` counts as training.</summary>
public enum DatasetSplit
{
    Train,
    Val,
    Test,
}

/// <summary>One caption of one image; <see cref="ImagePath"/> is absolute, <see cref="Split"/> null until assigned.</summary>
public sealed record CaptionPair(string ImagePath, string Caption, DatasetSplit? Split);
