"""The hunt agent: plans a hunt from a request, runs guarded KQL, returns verified findings."""
