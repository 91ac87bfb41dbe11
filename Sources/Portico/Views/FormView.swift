import Mustache

/// What a form page shows besides its own fields: what was typed (never passwords) and
/// what is wrong with it, per field and as a summary at the top.
public struct FormState: Sendable {
    @MustacheView
    public struct Problem: Sendable {
        public let field: String
        public let message: String
    }

    public var values: [String: String]
    public var errors: [String: String]
    public var message: String?

    public init(values: [String: String] = [:], errors: [String: String] = [:], message: String? = nil) {
        self.values = values
        self.errors = errors
        self.message = message
    }

    public var hasErrors: Bool { !errors.isEmpty || message != nil }
    public var problems: [Problem] { errors.sorted { $0.key < $1.key }.map { Problem(field: $0.key, message: $0.value) } }

    /// Keeps every field except those that must never be echoed back.
    public static func keeping(
        _ form: FormFields,
        except secret: Set<String> = [
            "password", "new_password", "current_password", "password_confirmation", "email_password", "csrf_token", "code",
        ]
    ) -> FormState {
        var values: [String: String] = [:]
        for (name, list) in form.values where !secret.contains(name) { values[name] = list.first ?? "" }
        return FormState(values: values)
    }

    /// What was typed, with the reasons it was refused: per field, or as the summary at the top
    /// when the error names no field.
    public static func keeping(_ form: FormFields, rejectedBy error: AppError) -> FormState {
        var state = keeping(form)
        state.errors = error.fields
        if error.fields.isEmpty { state.message = error.message }
        return state
    }
}

/// `FormState` flattened for templates (Mustache sees stored properties only).
@MustacheView
public struct FormView: Sendable {
    public let values: [String: String]
    public let errors: [String: String]
    public let message: String?
    public let hasErrors: Bool
    public let problems: [FormState.Problem]

    public init(_ state: FormState) {
        values = state.values
        errors = state.errors
        message = state.message
        hasErrors = state.hasErrors
        problems = state.problems
    }
}
