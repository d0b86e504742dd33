namespace Orchestrator.Shared.Search;

/// <summary>
/// One named axis of a <see cref="SearchSpace"/>. A point holds one double per dimension: the value itself for
/// numbers, the index of the choice for <see cref="ChoiceDimension"/>.
/// </summary>
public abstract class SearchDimension
{
    protected SearchDimension(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("a search dimension needs a name (the job parameter it sets)", nameof(name));
        }

        Name = name;
    }

    public string Name { get; }

    /// <summary>A value drawn uniformly (log-uniformly on a log axis), as random search and TPE's start draw it.</summary>
    internal abstract double DrawUniform(Random random);
}
