"""How patients say things, in words the content may not use.

Each group is a set of words a patient might type for one idea; a query word from a group also looks for the
others (at a lower weight than the word itself). Words are written as patients type them; they are normalised
and stemmed the same way as the content when loaded. Stop words carry no meaning for search.
"""

from __future__ import annotations

STOP_WORDS: dict[str, str] = {
    "en": """
        a about am an and any anything are as at be been being but by can could did do does doing done for
        from get gets getting go going got had has have having he her here hers him his how i i'd i'll i'm i've
        if in into is isn't it it's its just me might mine must my myself need no not now of off ok okay on or
        other our out over please really she should so some something tell than that the their them then there
        these they thing things this those to too up us very want was we were what when where which while who
        whom why will with would you your yours yourself ketamine ketamines
        also really still much s t d ll m ve re wanna gonna know like let lets mean take
    """,
    "es": """
        a al algo alguien algun alguna alguno algunos ante antes aqui asi cada como con contra cual cuales cuando
        de del desde donde el ella ellas ello ellos en entre era eres es esa ese eso esta estan estar este esto
        estoy fue ha hay he hola la las le les lo los mas me mi mis mucho muy nada ni no nos o otra otro para
        pero poco por porque puede pueden puedo que quien se sea ser si sin sobre son soy su sus tambien te
        tengo tiene tienen toda todo tu tus un una uno unos usted ustedes va vamos voy y ya yo ketamina
        ketaminas hacer hace debo debe quiero quisiera saber pasa
    """,
}

SYNONYMS: dict[str, list[str]] = {
    "en": [
        "drive driving driver car ride home rideshare uber lyft taxi cab",
        "eat eating food meal breakfast lunch dinner snack fasting hungry stomach",
        "drink drinking water liquid liquids coffee juice",
        "addictive addiction addicted hooked dependence dependent habit crave craving cravings",
        "party recreational street club clubs rave misuse abuse high",
        "cost costs price prices pay paying expensive afford money charge fee fees cheap bill much",
        "insurance insured covered cover coverage insurer medicare medicaid",
        "pregnant pregnancy baby breastfeeding breastfeed breast nursing conceive",
        "sessions session infusions infusion treatments treatment visits appointments times",
        "fast quick quickly soon right away immediately start starts kick",
        "long last lasts lasting wear fade fades permanent forever",
        "work works working help helps effective improve better benefit",
        "side effects effect risks risk dangerous danger safe safety harm harmful",
        "sleep asleep awake conscious unconscious knocked under anesthesia",
        "hurt hurts pain painful needle iv prick sting",
        "feel feels feeling experience trip tripping hallucinate hallucinations dissociation dissociate weird strange",
        "scared afraid nervous anxious worried worry fear frightened panic",
        "blood pressure heart hypertension pulse cardiac",
        "medicine medicines medication medications meds pills prescription prescriptions drugs",
        "antidepressant antidepressants ssri ssris prozac zoloft lexapro wellbutrin",
        "alcohol drinking beer wine liquor drunk",
        "cannabis marijuana weed pot thc cbd",
        "crisis suicide suicidal kill die dying emergency hotline lifeline 988 911",
        "esketamine spravato nasal spray nose",
        "approved approval fda legal label",
        "job work workplace decisions decision",
        "bladder urine pee peeing urinate kidney",
        "memory forget forgetful remember",
        "nausea nauseous sick vomit vomiting throw queasy",
        "music headphones phone playlist",
        "bring wear clothes clothing pack",
        "ptsd trauma traumatic veteran veterans",
        "ocd obsessive compulsive",
        "pain chronic crps fibromyalgia",
        "depression depressed sad mood",
        "boosters booster maintenance top follow",
        "someone friend family partner companion accompany",
        "fail fails failed doesn't nothing",
        "kids children teen teenager",
    ],
    "es": [
        "manejar maneje manejo conducir conduzca carro coche auto chofer llevar casa regresar volver",
        "comer comida desayuno almuerzo cena alimento ayuno ayunas estomago",
        "beber tomar agua liquido liquidos cafe jugo",
        "adictiva adictivo adiccion adicto dependencia engancharse enganchado vicio",
        "fiesta fiestas recreativa recreativo calle droga drogas abuso drogarse",
        "costo cuesta cuestan precio pagar pago caro dinero cobran cobra",
        "seguro aseguranza cubre cubren cobertura medicaid medicare",
        "embarazada embarazo bebe amamantar lactancia pecho",
        "sesiones sesion infusiones infusion tratamientos tratamiento citas cita veces",
        "rapido rapidamente pronto enseguida empieza tarda",
        "dura duran durar duracion permanente siempre",
        "funciona funcionan ayuda sirve mejorar mejor efectivo resultado resultados",
        "efectos secundarios riesgos riesgo peligroso peligrosa segura danino",
        "dormir dormido dormida despierto despierta consciente inconsciente anestesia",
        "duele doler dolor aguja pinchazo suero",
        "sentir siente sentire sensacion viaje alucinar alucinaciones disociacion raro extrano",
        "miedo nervioso nerviosa ansioso ansiosa preocupado preocupada asustado asustada panico",
        "presion corazon tension hipertension pulso cardiaco",
        "medicinas medicina medicamentos medicamento pastillas receta",
        "antidepresivo antidepresivos",
        "alcohol cerveza vino tragos borracho",
        "marihuana cannabis mota hierba",
        "crisis suicidio suicida matarme morir emergencia linea 988 911",
        "esketamina spravato nasal aerosol nariz spray",
        "aprobada aprobado aprobacion fda legal",
        "trabajo trabajar decisiones decision",
        "vejiga orina orinar rinon",
        "memoria olvidar olvido recordar",
        "nausea nauseas vomitar vomito mareo mareada mareado",
        "musica audifonos telefono celular",
        "traer ropa llevar vestir",
        "postraumatico tept trauma veterano veteranos",
        "toc obsesivo compulsivo",
        "dolor cronico crps fibromialgia",
        "depresion deprimido deprimida triste animo",
        "refuerzo refuerzos mantenimiento seguimiento",
        "alguien acompanante acompanar familiar amigo pareja",
        "ninos hijos adolescente",
    ],
}
