public enum RelflowCoreMarker {}
